"""The signed-in member's own balance and history, through the portal's session."""

from rest_framework import generics
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from loyalty.errors import ApplicationError
from members.models import Member
from rewards.models import LedgerEntry

from .. import serializers as s
from ..auth import MemberSessionAuthentication
from ..schema import SESSION, operation
from ..throttling import ApiKeyRateThrottle
from .base import HistoryPagination
from .members import balance_of


class MemberSessionView(APIView):
    """Base of the member-facing views: the portal's session (with CSRF), own data only."""

    authentication_classes = [MemberSessionAuthentication]
    permission_classes = [IsAuthenticated]
    throttle_classes = [ApiKeyRateThrottle]

    def member(self) -> Member:
        member = Member.objects.filter(user=self.request.user).first()
        if member is None:
            raise ApplicationError("this login has no membership", code="not_found")
        return member


class MeView(MemberSessionView):
    @operation("me_balance", s.BalanceOut, errors=SESSION)
    def get(self, request):
        return Response(balance_of(self.member()))


class MeLedgerView(MemberSessionView, generics.ListAPIView):
    serializer_class = s.LedgerEntryOut
    pagination_class = HistoryPagination

    def get_queryset(self):
        return LedgerEntry.objects.filter(member=self.member())

    @operation("me_ledger", s.LedgerEntryOut(many=True), errors=SESSION)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
