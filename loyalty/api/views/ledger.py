"""Points outside purchases: a member's actions, and the ledger's staff sync list."""

from rest_framework import status
from rest_framework.response import Response

from rewards.actions.services import record_action
from rewards.models import LedgerEntry

from .. import filters
from .. import serializers as s
from ..idempotency import idempotent
from ..schema import WRITE, operation
from .base import EARN, IntegrationView, SyncListView


class ActionView(IntegrationView):
    """Record a member's action (review, share, newsletter, custom code) for the action rules."""

    required_scope = EARN

    @operation(
        "action_record", s.LedgerEntryOut, ok=201, request=s.ActionIn, errors=WRITE, idempotent=True
    )
    @idempotent
    def post(self, request):
        data = s.ActionIn(data=request.data)
        data.is_valid(raise_exception=True)
        entry = record_action(**data.validated_data, idempotency_key=self.idempotency_key(request))
        return Response(s.LedgerEntryOut(entry).data, status=status.HTTP_201_CREATED)


class LedgerListView(SyncListView):
    """Ledger entries (staff sync), oldest first: filter by member, kind and dates."""

    queryset = LedgerEntry.objects.all()
    serializer_class = s.LedgerEntryOut
    query_class = filters.LedgerQuery

    @operation("ledger_list", s.LedgerEntryOut(many=True), parameters=[filters.LedgerQuery])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
