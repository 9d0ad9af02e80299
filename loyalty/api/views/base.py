"""The bases of the API views: API-key auth, per-key throttle, scope per method, sync pages.

Views authenticate, validate the shape of the input and call a service or selector;
the business rules (and their errors) are the services'. Writes accept an
``Idempotency-Key`` header (see ``idempotency.py``).
"""

import re

from rest_framework import exceptions, generics
from rest_framework.pagination import CursorPagination
from rest_framework.views import APIView

from loyalty.errors import not_found
from members.models import Member
from rewards.models import ApiKey

from ..auth import ApiKeyAuthentication, HasScope
from ..filters import Query
from ..idempotency import header_key
from ..throttling import ApiKeyRateThrottle

READ, EARN, REDEEM = ApiKey.Scope.READ, ApiKey.Scope.EARN, ApiKey.Scope.REDEEM
FINANCE = ApiKey.Scope.FINANCE


class IntegrationView(APIView):
    """Base of the API-key views: auth, per-key throttle, scope per method."""

    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasScope]
    throttle_classes = [ApiKeyRateThrottle]
    required_scope = READ

    def idempotency_key(self, request) -> str | None:
        """The header's key, namespaced by the API key, for services that dedupe themselves."""
        key = header_key(request)
        return f"api:{request.auth.pk}:{key}" if key else None


POSITIVE = re.compile(r"[1-9][0-9]*", re.ASCII)


class Pages(CursorPagination):
    """Cursor pages; ``page_size`` must be a positive whole number (a larger one than
    ``max_page_size`` gets ``max_page_size``), not silently replaced by the default."""

    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        given = request.query_params.get(self.page_size_query_param)
        if given is None:
            return self.page_size
        if not POSITIVE.fullmatch(given):
            raise exceptions.ValidationError({"page_size": ["must be a whole number from 1"]})
        if len(given) > len(str(self.max_page_size)):  # any size of number: no int() of it
            return self.max_page_size
        return min(int(given), self.max_page_size)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
                parameter["description"] = f"Rows per page (default {self.page_size}, at most "
                parameter["description"] += f"{self.max_page_size}: a larger number gets that)."
            else:
                parameter["schema"] = {"type": "string", "maxLength": 1000}
        return parameters


class SyncPagination(Pages):
    """Stable pages by id, for incremental sync: follow ``next`` until it is null."""

    ordering = "pk"
    page_size = 100


class HistoryPagination(Pages):
    """A member's history, newest first."""

    ordering = ("-pk",)
    page_size = 50


class SyncListView(IntegrationView, generics.ListAPIView):
    """A filtered, cursor-paginated list for staff integrations (read scope).

    A POST on the same URL (enrol a member, record a purchase) needs the earn scope.
    """

    pagination_class = SyncPagination
    query_class: type[Query]

    def get_permissions(self):
        self.required_scope = EARN if self.request.method == "POST" else READ
        return super().get_permissions()

    def filter_queryset(self, queryset):
        return self.query_class.apply(queryset, self.request.query_params)


def get_member(member_id: int) -> Member:
    member = Member.objects.filter(pk=member_id).first()
    if member is None:
        raise not_found("member", member_id, field="member")
    return member
