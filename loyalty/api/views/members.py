"""Members: ping, look-up, the staff sync list and enrolment, balance and ledger history."""

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
from ..errors import RULE_STATUS
from ..idempotency import idempotent
from ..schema import READ, WRITE, operation, path_id
from .base import HistoryPagination, IntegrationView, SyncListView, get_member


class PingView(IntegrationView):
    """A constant answer: checks a key, and the baseline of the API benchmark."""

    @operation("ping", s.PingOut)
    def get(self, request):
        return Response({"pong": True, "scopes": request.auth.scopes})


class MemberLookupView(IntegrationView):
    @operation("member_lookup", s.MemberOut, parameters=[s.LookupIn], errors=(*READ, RULE_STATUS))
    def get(self, request):
        query = s.LookupIn(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        if not query.validated_data:
            raise ApplicationError(
                "give an email, an external_id or a card_code", code="no_criteria"
            )
        member = member_selectors.find_member(**query.validated_data)
        if member is None:
            raise ApplicationError("no member matches", code="not_found", field=None)
        return Response(member_out(member))


class MemberListView(SyncListView):
    """Members (staff sync): filter by email, external id, status, changed since."""

    queryset = Member.objects.all()
    serializer_class = s.MemberOut
    query_class = filters.MemberQuery
    page_members: tuple[int, ...] = ()

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["lapsed"] = selectors.lapsed_points(self.page_members) if self.page_members else {}
        return context

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        self.page_members = tuple(member.pk for member in page)
        return page

    @operation("members_list", s.MemberOut(many=True), parameters=[filters.MemberQuery])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @operation(
        "member_enrol", s.MemberOut, ok=201, request=s.EnrollIn, errors=WRITE, idempotent=True
    )
    @idempotent
    def post(self, request):
        data = s.EnrollIn(data=request.data)
        data.is_valid(raise_exception=True)
        member = member_services.enroll_member(**data.validated_data)
        return Response(s.MemberOut(member).data, status=status.HTTP_201_CREATED)


class MemberBalanceView(IntegrationView):
    @operation("member_balance", s.BalanceOut, parameters=[path_id("member_id", "member")])
    def get(self, request, member_id: int):
        return Response(balance_of(get_member(member_id)))


def balance_of(member: Member) -> dict:
    """The balance as ``member_balance`` gives it: the figure redemption checks against."""
    program = Program.get()
    balance = selectors.member_balance(member)
    return s.BalanceOut(
        {
            "member_id": member.pk,
            "status": member.status,
            "points": balance.spendable,
            "debt": balance.debt,
            "lapsed_points": balance.lapsed,
            "pending_points": balance.pending,
            "value": program.points_value(balance.spendable),
            "currency": program.currency,
            "tier": member.tier.name if member.tier_id else None,
            "expiring_soon": [
                {"expires_at": row.expires_at, "points": row.points} for row in balance.expiring
            ],
        }
    ).data


def member_out(member: Member) -> dict:
    return s.MemberOut(member, context={"lapsed": selectors.lapsed_points([member.pk])}).data


class MemberLedgerView(IntegrationView, generics.ListAPIView):
    """A member's ledger history, newest first."""

    serializer_class = s.LedgerEntryOut
    pagination_class = HistoryPagination

    def get_queryset(self):
        return LedgerEntry.objects.filter(member=get_member(self.kwargs["member_id"]))

    @operation(
        "member_ledger", s.LedgerEntryOut(many=True), parameters=[path_id("member_id", "member")]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
