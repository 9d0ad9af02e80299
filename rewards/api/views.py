"""API views: one per operation, each with a small input and output serializer.

Views authenticate, validate the shape of the input and call a service or selector;
the business rules (and their errors) are the services'. Writes accept an
``Idempotency-Key`` header (see ``idempotency.py``).
"""

import importlib

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from loyalty.errors import ApplicationError, not_found
from members import selectors as member_selectors
from members import services as member_services
from members.models import Member

from .. import selectors, services
from ..apimodels import ApiKey
from ..models import LedgerEntry, Program, Purchase, Redemption
from . import filters
from . import serializers as s
from .auth import ApiKeyAuthentication, ApiKeyRateThrottle, HasScope
from .idempotency import HEADER, idempotent

READ, EARN, REDEEM = ApiKey.Scope.READ, ApiKey.Scope.EARN, ApiKey.Scope.REDEEM

IDEMPOTENCY_PARAM = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="Any unique string (max 200): a retry with the same key and body replays "
    "the first response; the same key with another body is a 409.",
)
ERRORS = {
    400: s.ErrorSerializer,
    401: s.ErrorSerializer,
    403: s.ErrorSerializer,
    404: s.ErrorSerializer,
    409: s.ErrorSerializer,
    429: s.ErrorSerializer,
}


def responses(ok_status: int, serializer):
    return {ok_status: serializer, **ERRORS}


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


# ---------------------------------------------------------------- ping


class PingView(IntegrationView):
    """A constant answer: checks a key, and the baseline of the API benchmark."""

    @extend_schema(responses=responses(200, s.PingOut), operation_id="ping")
    def get(self, request):
        return Response({"pong": True, "scopes": request.auth.scopes})


# ---------------------------------------------------------------- members


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
    tier = getattr(member, "tier", None)
    return s.BalanceOut(
        {
            "member_id": member.pk,
            "status": member.status,
            "points": member.points_balance,
            "pending_points": member.pending_points,
            "value": program.points_value(max(member.points_balance, 0)),
            "currency": program.currency,
            "tier": getattr(tier, "name", None) if tier is not None else None,
            "expiring_soon": selectors.expiring_soon(member),
        }
    ).data


class MemberLedgerView(IntegrationView, generics.ListAPIView):
    """A member's ledger history, newest first."""

    serializer_class = s.LedgerEntryOut

    class pagination_class(CursorPagination):  # noqa: N801
        ordering = ("-pk",)
        page_size = 50
        page_size_query_param = "page_size"
        max_page_size = 500

    def get_queryset(self):
        return LedgerEntry.objects.filter(member=get_member(self.kwargs["member_id"]))

    @extend_schema(operation_id="member_ledger")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


# ---------------------------------------------------------------- purchases

# The purchase is the hot path of the API: its serializers are built once (see s.Shared).
PURCHASE_IN, PURCHASE_OUT = s.Shared(s.PurchaseIn), s.Shared(s.PurchaseOut)


class PurchaseView(SyncListView):
    """GET: purchases (staff sync). POST: record a purchase and earn its points."""

    queryset = Purchase.objects.select_related("channel")
    serializer_class = s.PurchaseOut
    filterset_class = filters.PurchaseFilter

    @extend_schema(operation_id="purchases_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=s.PurchaseIn,
        responses=responses(201, s.PurchaseOut),
        parameters=[IDEMPOTENCY_PARAM],
        operation_id="purchase_record",
    )
    @idempotent
    def post(self, request):
        purchase = services.record_purchase(**PURCHASE_IN.validate(request.data))
        return Response(PURCHASE_OUT.represent(purchase), status=status.HTTP_201_CREATED)


class QuoteView(IntegrationView):
    """The points a basket would earn, and the rules that give them; nothing is recorded."""

    @extend_schema(
        request=s.BasketIn, responses=responses(200, s.QuoteOut), operation_id="purchase_quote"
    )
    def post(self, request):
        data = s.BasketIn(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.quote_points(**data.validated_data)
        return Response(
            s.QuoteOut(
                {
                    "points": result.points,
                    "eligible_amount": result.eligible_amount,
                    "rules": result.breakdown,
                }
            ).data
        )


class RefundView(IntegrationView):
    """Refund or return part or all of a purchase: reverses its points in proportion."""

    required_scope = EARN

    @extend_schema(
        request=s.RefundIn,
        responses=responses(201, s.RefundOut),
        parameters=[IDEMPOTENCY_PARAM],
        operation_id="purchase_refund",
    )
    @idempotent
    def post(self, request, purchase_id: int):
        data = s.RefundIn(data=request.data)
        data.is_valid(raise_exception=True)
        refund = services.refund_purchase(purchase_id=purchase_id, **data.validated_data)
        return Response(s.RefundOut(refund).data, status=status.HTTP_201_CREATED)


# ---------------------------------------------------------------- redemptions


class RedeemView(IntegrationView):
    """Spend points on a reward, or a number of points for a discount at checkout."""

    required_scope = REDEEM

    @extend_schema(
        request=s.RedeemIn,
        responses=responses(201, s.RedemptionOut),
        parameters=[IDEMPOTENCY_PARAM],
        operation_id="redemption_create",
    )
    @idempotent
    def post(self, request):
        data = s.RedeemIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        key = self.idempotency_key(request)
        if "reward_id" in values:
            redemption = services.redeem_reward(
                member_id=values["member_id"], reward_id=values["reward_id"], idempotency_key=key
            )
        else:
            redemption = services.redeem_points(
                member_id=values["member_id"], points=values["points"], idempotency_key=key
            )
        return Response(s.RedemptionOut(redemption).data, status=status.HTTP_201_CREATED)


class RedemptionConfirmView(IntegrationView):
    """The checkout succeeded: the redemption is used (its code cannot be used again)."""

    required_scope = REDEEM

    @extend_schema(
        request=None,
        responses=responses(200, s.RedemptionOut),
        parameters=[IDEMPOTENCY_PARAM],
        operation_id="redemption_confirm",
    )
    @idempotent
    def post(self, request, redemption_id: int):
        redemption = Redemption.objects.filter(pk=redemption_id).first()
        if redemption is None:
            raise ApplicationError(f"no redemption with id {redemption_id}", code="not_found")
        redemption = services.use_redemption(code=redemption.code)
        return Response(s.RedemptionOut(redemption).data)


class RedemptionCancelView(IntegrationView):
    """The checkout failed: give the points back to the lots they came from."""

    required_scope = REDEEM

    @extend_schema(
        request=s.CancelIn,
        responses=responses(200, s.RedemptionOut),
        parameters=[IDEMPOTENCY_PARAM],
        operation_id="redemption_cancel",
    )
    @idempotent
    def post(self, request, redemption_id: int):
        data = s.CancelIn(data=request.data)
        data.is_valid(raise_exception=True)
        redemption = services.cancel_redemption(
            redemption_id=redemption_id,
            reason=data.validated_data.get("reason") or "cancelled through the API",
        )
        return Response(s.RedemptionOut(redemption).data)


class RedemptionValidateView(IntegrationView):
    """A till accepts a redemption code: valid once, refused afterwards."""

    required_scope = REDEEM

    @extend_schema(
        request=s.ValidateCodeIn,
        responses=responses(200, s.RedemptionOut),
        parameters=[IDEMPOTENCY_PARAM],
        operation_id="redemption_validate_code",
    )
    @idempotent
    def post(self, request):
        data = s.ValidateCodeIn(data=request.data)
        data.is_valid(raise_exception=True)
        redemption = services.use_redemption(code=data.validated_data["code"])
        return Response(s.RedemptionOut(redemption).data)


# ---------------------------------------------------------------- actions


class ActionView(IntegrationView):
    """Record a member's action (review, share, newsletter, custom code) for the action rules."""

    required_scope = EARN

    @extend_schema(
        request=s.ActionIn,
        responses={**responses(201, s.LedgerEntryOut), 501: s.ErrorSerializer},
        parameters=[IDEMPOTENCY_PARAM],
        operation_id="action_record",
    )
    @idempotent
    def post(self, request):
        data = s.ActionIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            actions = importlib.import_module("rewards.actions")
        except ImportError:
            raise ApplicationError(
                "actions are not available on this installation", code="not_implemented"
            ) from None
        entry = actions.record_action(
            **data.validated_data, idempotency_key=self.idempotency_key(request)
        )
        return Response(s.LedgerEntryOut(entry).data, status=status.HTTP_201_CREATED)


# ---------------------------------------------------------------- ledger (staff sync)


class LedgerListView(SyncListView):
    """Ledger entries (staff sync), oldest first: filter by member, kind and dates."""

    queryset = LedgerEntry.objects.all()
    serializer_class = s.LedgerEntryOut
    filterset_class = filters.LedgerEntryFilter

    @extend_schema(operation_id="ledger_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


# ---------------------------------------------------------------- the signed-in member


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
    pagination_class = MemberLedgerView.pagination_class

    def get_queryset(self):
        return LedgerEntry.objects.filter(member=self.member())

    @extend_schema(operation_id="me_ledger")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
