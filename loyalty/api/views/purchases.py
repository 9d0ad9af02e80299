"""Purchases: record (the API's hot path), quote, refund, and the staff sync list."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from rewards import services
from rewards.models import Purchase

from .. import filters
from .. import serializers as s
from ..idempotency import idempotent
from ..schema import IDEMPOTENCY_PARAM, responses
from .base import EARN, IntegrationView, SyncListView

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
