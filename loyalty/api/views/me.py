"""The signed-in member's own balance and history, through the portal's session."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from loyalty.errors import ApplicationError
from members.models import Member
from rewards.models import LedgerEntry

from .. import serializers as s
from ..auth import ApiKeyRateThrottle
from ..schema import responses
from .base import HistoryPagination
from .members import balance_of


class MemberSessionView(APIView):
    """Base of the member-facing views: the portal's session (with CSRF), own data only."""

    authentication_classes = [SessionAuthentication]
    permission_classes = [IsAuthenticated]
    throttle_classes = [ApiKeyRateThrottle]

    def member(self) -> Member:
        member = Member.objects.filter(user=self.request.user).first()
        if member is None:
            raise ApplicationError("this login has no membership", code="not_found")
        return member


class MeView(MemberSessionView):
    @extend_schema(responses=responses(200, s.BalanceOut), operation_id="me_balance")
    def get(self, request):
        return Response(balance_of(self.member()))


class MeLedgerView(MemberSessionView, generics.ListAPIView):
    serializer_class = s.LedgerEntryOut
    pagination_class = HistoryPagination

    def get_queryset(self):
        return LedgerEntry.objects.filter(member=self.member())

    @extend_schema(operation_id="me_ledger")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
