"""Redemptions: spend points, then confirm, cancel, or validate the code at a till."""

from rest_framework import status
from rest_framework.response import Response

from loyalty.errors import not_found
from rewards.models import Redemption
from rewards.redemptions.services import (
    cancel_redemption,
    redeem_points,
    redeem_reward,
    use_redemption,
)

from .. import redemption_serializers as s
from ..idempotency import idempotent
from ..schema import WRITE, operation, path_id
from .base import REDEEM, IntegrationView


class RedeemView(IntegrationView):
    """Spend points on a reward, or a number of points for a discount at checkout."""

    required_scope = REDEEM

    @operation(
        "redemption_create",
        s.RedemptionOut,
        ok=201,
        request=s.RedeemIn,
        errors=WRITE,
        idempotent=True,
    )
    @idempotent
    def post(self, request):
        data = s.RedeemIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        key = self.idempotency_key(request)
        when = {"effective_at": values.get("effective_at"), "idempotency_key": key}
        if "reward_id" in values:
            redemption = redeem_reward(
                member_id=values["member_id"], reward_id=values["reward_id"], **when
            )
        else:
            redemption = redeem_points(
                member_id=values["member_id"], points=values["points"], **when
            )
        return Response(s.RedemptionOut(redemption).data, status=status.HTTP_201_CREATED)


class RedemptionConfirmView(IntegrationView):
    """The checkout succeeded: the redemption is used (its code cannot be used again)."""

    required_scope = REDEEM

    @operation(
        "redemption_confirm",
        s.RedemptionOut,
        request=None,
        errors=WRITE,
        idempotent=True,
        parameters=[path_id("redemption_id", "redemption")],
    )
    @idempotent
    def post(self, request, redemption_id: int):
        redemption = Redemption.objects.filter(pk=redemption_id).first()
        if redemption is None:
            raise not_found("redemption", redemption_id)
        redemption = use_redemption(code=redemption.code)
        return Response(s.RedemptionOut(redemption).data)


class RedemptionCancelView(IntegrationView):
    """The checkout failed: give the points back to the lots they came from."""

    required_scope = REDEEM

    @operation(
        "redemption_cancel",
        s.RedemptionOut,
        request=s.CancelIn,
        errors=WRITE,
        idempotent=True,
        parameters=[path_id("redemption_id", "redemption")],
    )
    @idempotent
    def post(self, request, redemption_id: int):
        data = s.CancelIn(data=request.data)
        data.is_valid(raise_exception=True)
        redemption = cancel_redemption(
            redemption_id=redemption_id,
            reason=data.validated_data.get("reason") or "cancelled through the API",
            effective_at=data.validated_data.get("effective_at"),
        )
        return Response(s.RedemptionOut(redemption).data)


class RedemptionValidateView(IntegrationView):
    """A till accepts a redemption code: valid once, refused afterwards."""

    required_scope = REDEEM

    @operation(
        "redemption_validate_code",
        s.RedemptionOut,
        request=s.ValidateCodeIn,
        errors=WRITE,
        idempotent=True,
    )
    @idempotent
    def post(self, request):
        data = s.ValidateCodeIn(data=request.data)
        data.is_valid(raise_exception=True)
        redemption = use_redemption(code=data.validated_data["code"])
        return Response(s.RedemptionOut(redemption).data)
