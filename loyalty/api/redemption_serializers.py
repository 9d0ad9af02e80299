"""Input and output serializers of the redemptions: redeem, confirm, cancel, validate."""

from rest_framework import serializers
from rest_framework.settings import api_settings

from rewards import validation
from rewards.models import Redemption

from .fields import Integer, Moment, Text, an_id

WHEN = "When it happened, if not now (a till that was offline); dated inside a closed period, "
WHEN += "the reports book it in the next open period."

MAX_POINTS = validation.HARD_MAX_POINTS
ANY = api_settings.NON_FIELD_ERRORS_KEY


class RedeemRewardIn(serializers.Serializer):
    """Spend a reward's points on it."""

    member_id = an_id()
    reward_id = an_id()
    effective_at = Moment(required=False, help_text=WHEN)


class RedeemPointsIn(serializers.Serializer):
    """Spend a number of points (a discount at checkout)."""

    member_id = an_id()
    points = Integer(
        min_value=1,
        max_value=MAX_POINTS,
        help_text="Above the program's maximum per entry "
        f"({validation.points_text(validation.DEFAULT_MAX_POINTS)} unless the merchant "
        "changed it): 422 `over_limit`; more than the spendable balance: 422 "
        "`insufficient_points`.",
    )
    effective_at = Moment(required=False, help_text=WHEN)


class RedeemIn(serializers.Serializer):
    """Exactly one of the two shapes, and nothing else (the schema's ``oneOf``)."""

    SHAPES = {"reward_id": RedeemRewardIn, "points": RedeemPointsIn}

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError({ANY: ["the body must be a JSON object"]})
        given = [name for name in self.SHAPES if name in data]
        if len(given) != 1:
            raise serializers.ValidationError({ANY: ["give either reward_id or points (not both)"]})
        shape = self.SHAPES[given[0]](data=data)
        shape.is_valid(raise_exception=True)
        unknown = set(data) - set(shape.fields)
        if unknown:
            raise serializers.ValidationError(
                {name: ["not a field of this body"] for name in unknown}
            )
        return shape.validated_data


class CancelIn(serializers.Serializer):
    reason = Text(max_length=500, min_length=0, required=False)
    effective_at = Moment(
        required=False, help_text="When it was cancelled, if not now; never before the redemption."
    )


class ValidateCodeIn(serializers.Serializer):
    code = Text(max_length=20)


class RedemptionOut(serializers.ModelSerializer):
    class Meta:
        model = Redemption
        fields = [
            "id",
            "member_id",
            "reward_id",
            "points",
            "value",
            "currency",
            "code",
            "status",
            "created_at",
            "used_at",
            "cancelled_at",
        ]
