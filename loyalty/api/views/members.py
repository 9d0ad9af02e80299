"""Members: ping, look-up, the staff sync list and enrolment, balance and ledger history."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from loyalty.errors import ApplicationError
from members import selectors as member_selectors
from members import services as member_services
from members.models import Member
from rewards import selectors
from rewards.models import LedgerEntry, Program

from .. import filters
from .. import serializers as s
from ..idempotency import idempotent
from ..schema import IDEMPOTENCY_PARAM, responses
from .base import HistoryPagination, IntegrationView, SyncListView, get_member


class PingView(IntegrationView):
    """A constant answer: checks a key, and the baseline of the API benchmark."""

    @extend_schema(responses=responses(200, s.PingOut), operation_id="ping")
    def get(self, request):
        return Response({"pong": True, "scopes": request.auth.scopes})


class MemberLookupView(IntegrationView):
    @extend_schema(
        parameters=[s.LookupIn], responses=responses(200, s.MemberOut), operation_id="member_lookup"
    )
    def get(self, request):
        query = s.LookupIn(data=request.query_params)
        query.is_valid(raise_exception=True)
        member = member_selectors.find_member(**query.validated_data)
        if member is None:
            raise ApplicationError("no member matches", code="not_found", field=None)
        return Response(s.MemberOut(member).data)


class MemberListView(SyncListView):
    """Members (staff sync): filter by email, external id, status, changed since."""

    queryset = Member.objects.all()
    serializer_class = s.MemberOut
    filterset_class = filters.MemberFilter

    @extend_schema(operation_id="members_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=s.EnrollIn,
        responses=responses(201, s.MemberOut),
        parameters=[IDEMPOTENCY_PARAM],
        operation_id="member_enrol",
    )
    @idempotent
    def post(self, request):
        data = s.EnrollIn(data=request.data)
        data.is_valid(raise_exception=True)
        member = member_services.enroll_member(**data.validated_data)
        return Response(s.MemberOut(member).data, status=status.HTTP_201_CREATED)


class MemberBalanceView(IntegrationView):
    @extend_schema(responses=responses(200, s.BalanceOut), operation_id="member_balance")
    def get(self, request, member_id: int):
        return Response(balance_of(get_member(member_id)))


def balance_of(member: Member) -> dict:
    program = Program.get()
    return s.BalanceOut(
        {
            "member_id": member.pk,
            "status": member.status,
            "points": member.points_balance,
            "pending_points": member.pending_points,
            "value": program.points_value(max(member.points_balance, 0)),
            "currency": program.currency,
            "tier": member.tier.name if member.tier_id else None,
            "expiring_soon": selectors.expiring_soon(member),
        }
    ).data


class MemberLedgerView(IntegrationView, generics.ListAPIView):
    """A member's ledger history, newest first."""

    serializer_class = s.LedgerEntryOut
    pagination_class = HistoryPagination

    def get_queryset(self):
        return LedgerEntry.objects.filter(member=get_member(self.kwargs["member_id"]))

    @extend_schema(operation_id="member_ledger")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
