"""Purchases: record (the API's hot path), quote, refund, and the staff sync list."""

from rest_framework import status
from rest_framework.response import Response

from members.models import Member
from referrals.checkout import refer_at_checkout
from rewards import selectors
from rewards.earning.quotes import quote_points
from rewards.models import Purchase
from rewards.purchases.recording import record_purchase
from rewards.purchases.refunds import refund_purchase

from .. import filters
from .. import purchase_serializers as s
from ..idempotency import idempotent
from ..schema import BODY, WRITE, operation, path_id
from ..serializers import Shared
from .base import EARN, IntegrationView, SyncListView

# The purchase is the hot path of the API: its serializers are built once (see s.Shared).
PURCHASE_IN, PURCHASE_OUT = Shared(s.PurchaseIn), Shared(s.PurchaseOut)


class PurchaseView(SyncListView):
    """GET: purchases (staff sync). POST: record a purchase and earn its points."""

    queryset = Purchase.objects.select_related("channel")
    serializer_class = s.PurchaseOut
    query_class = filters.PurchaseQuery

    @operation("purchases_list", s.PurchaseOut(many=True), parameters=[filters.PurchaseQuery])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @operation(
        "purchase_record",
        s.PurchaseRecordedOut,
        ok=201,
        request=s.PurchaseIn,
        errors=WRITE,
        idempotent=True,
    )
    @idempotent
    def post(self, request):
        values = PURCHASE_IN.validate(request.data)
        code = values.pop("referral_code", None)
        purchase = record_purchase(**values)
        body = PURCHASE_OUT.represent(purchase)
        body["referral"] = None if code is None else referral_outcome(purchase, code)
        return Response(body, status=status.HTTP_201_CREATED)


def referral_outcome(purchase, code: str) -> dict:
    outcome = refer_at_checkout(purchase=purchase, code=code)
    error = {"code": outcome.error_code, "message": outcome.error} if outcome.error_code else None
    return {
        "code": outcome.code,
        "attached": outcome.attached,
        "referral_id": outcome.referral_id,
        "status": outcome.status,
        "error": error,
    }


class QuoteView(IntegrationView):
    """The points a basket would earn, and the rules that give them; nothing is recorded."""

    @operation("purchase_quote", s.QuoteOut, request=s.BasketIn, errors=BODY)
    def post(self, request):
        data = s.BasketIn(data=request.data)
        data.is_valid(raise_exception=True)
        result = quote_points(**data.validated_data)
        member_id = data.validated_data.get("member_id")
        member = Member.objects.filter(pk=member_id).first() if member_id else None
        return Response(
            s.QuoteOut(
                {
                    "points": result.points,
                    "eligible_amount": result.eligible_amount,
                    "rules": result.breakdown,
                    "spendable_points": (
                        selectors.member_balance(member).spendable if member else None
                    ),
                }
            ).data
        )


class RefundView(IntegrationView):
    """Refund or return part or all of a purchase: reverses its points in proportion."""

    required_scope = EARN

    @operation(
        "purchase_refund",
        s.RefundOut,
        ok=201,
        request=s.RefundIn,
        errors=WRITE,
        idempotent=True,
        parameters=[path_id("purchase_id", "purchase")],
    )
    @idempotent
    def post(self, request, purchase_id: int):
        data = s.RefundIn(data=request.data)
        data.is_valid(raise_exception=True)
        refund = refund_purchase(purchase_id=purchase_id, **data.validated_data)
        return Response(s.RefundOut(refund).data, status=status.HTTP_201_CREATED)
