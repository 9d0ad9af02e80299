"""The bases of the API views: API-key auth, per-key throttle, scope per method, sync pages.

Views authenticate, validate the shape of the input and call a service or selector;
the business rules (and their errors) are the services'. Writes accept an
``Idempotency-Key`` header (see ``idempotency.py``).
"""

from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import generics
from rest_framework.pagination import CursorPagination
from rest_framework.views import APIView

from loyalty.errors import not_found
from members.models import Member
from rewards.apimodels import ApiKey

from ..auth import ApiKeyAuthentication, ApiKeyRateThrottle, HasScope
from ..idempotency import HEADER

READ, EARN, REDEEM = ApiKey.Scope.READ, ApiKey.Scope.EARN, ApiKey.Scope.REDEEM


class IntegrationView(APIView):
    """Base of the API-key views: auth, per-key throttle, scope per method."""

    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasScope]
    throttle_classes = [ApiKeyRateThrottle]
    required_scope = READ

    def idempotency_key(self, request) -> str | None:
        """The header's key, namespaced by the API key, for services that dedupe themselves."""
        key = request.headers.get(HEADER, "").strip()
        return f"api:{request.auth.pk}:{key}" if key else None


class SyncPagination(CursorPagination):
    """Stable pages by id, for incremental sync: follow ``next`` until it is null."""

    ordering = "pk"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500


class HistoryPagination(CursorPagination):
    """A member's history, newest first."""

    ordering = ("-pk",)
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class SyncListView(IntegrationView, generics.ListAPIView):
    """A filtered, cursor-paginated list for staff integrations (read scope).

    A POST on the same URL (enrol a member, record a purchase) needs the earn scope.
    """

    pagination_class = SyncPagination
    filter_backends = [DjangoFilterBackend]

    def get_permissions(self):
        self.required_scope = EARN if self.request.method == "POST" else READ
        return super().get_permissions()


def get_member(member_id: int) -> Member:
    member = Member.objects.filter(pk=member_id).first()
    if member is None:
        raise not_found("member", member_id, field="member")
    return member
