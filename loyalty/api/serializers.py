"""Small input and output serializers, one pair per API operation."""

from rest_framework import serializers
from rest_framework.settings import api_settings

from members.models import Member
from referrals.models import Referral
from rewards import validation
from rewards.apimodels import ApiKey
from rewards.models import LedgerEntry, Purchase, Redemption, Refund

from .fields import Amount, Boolean, Day, Integer, Moment, Text, an_id

MAX_POINTS = validation.HARD_MAX_POINTS
ANY = api_settings.NON_FIELD_ERRORS_KEY
REFERRAL_CODE = r"^[A-Za-z0-9_-]{1,40}$"  # what the referral link takes (referrals/urls.py)
# A conservative address (ASCII, a dotted domain with a letters-only top level): every
# address it accepts, Django's EmailValidator accepts too, so the schema never lies.
EMAIL = (
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)


class Shared:
    """One serializer built per process and used by every request (and thread) of a hot path.

    Building a serializer deep-copies its declared fields (DRF binds copies to the new
    serializer): on the purchase path that cost several times validating the input and
    rendering the output. ``run_validation`` and ``to_representation`` keep no state on
    the serializer, so one instance serves everyone; ``.data``, ``.errors`` and ``save``
    do keep state and are not offered here.
    """

    def __init__(self, serializer_class):
        self.serializer_class = serializer_class
        self._serializer = serializer_class()

    def validate(self, data) -> dict:
        """What ``is_valid(raise_exception=True)`` then ``validated_data`` give."""
        try:
            return self._serializer.run_validation(data)
        except serializers.ValidationError:
            # Invalid input: a fresh serializer raises exactly what is_valid raises.
            fresh = self.serializer_class(data=data)
            fresh.is_valid(raise_exception=True)
            return fresh.validated_data

    def represent(self, instance) -> dict:
        """What ``serializer_class(instance).data`` gives."""
        return self._serializer.to_representation(instance)


# ---------------------------------------------------------------- errors


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    field = serializers.CharField(allow_null=True)
    details = serializers.JSONField(required=False)


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


# ---------------------------------------------------------------- members


class MemberOut(serializers.ModelSerializer):
    # As stored: an address the database holds is not always one a JSON Schema validator's
    # "email" format accepts (e.g. one imported before the stricter rule).
    email = serializers.CharField()
    tier = serializers.SerializerMethodField()
    points_balance = serializers.SerializerMethodField(
        help_text="Points the member can spend now (less any debt): points past their expiry "
        "date are not counted, even before the nightly job writes them off."
    )
    pending_points = serializers.IntegerField(help_text="Points in the return window.")

    class Meta:
        model = Member
        fields = [
            "id",
            "email",
            "first_name",
            "last_name",
            "external_id",
            "card_code",
            "status",
            "tier",
            "points_balance",
            "pending_points",
            "enrolled_at",
            "updated_at",
        ]

    def get_tier(self, member) -> str | None:
        return member.tier.name if member.tier_id else None

    def get_points_balance(self, member) -> int:
        # The view gives the lapsed points of the members it shows (one query per page).
        return member.points_balance - self.context.get("lapsed", {}).get(member.pk, 0)


class LookupIn(serializers.Serializer):
    """Give at least one (a rule the schema cannot state: without any, a 422)."""

    email = Text(max_length=254, required=False)
    external_id = Text(max_length=100, required=False)
    card_code = Text(max_length=32, required=False)


class EnrollIn(serializers.Serializer):
    email = Text(max_length=254, pattern=EMAIL)
    first_name = Text(max_length=150, min_length=0, required=False)
    last_name = Text(max_length=150, min_length=0, required=False)
    external_id = Text(max_length=100, min_length=0, required=False, allow_null=True)
    birthday = Day(
        required=False,
        allow_null=True,
        help_text="In the past, at most 120 years ago (else 422).",
    )


class ExpiringOut(serializers.Serializer):
    expires_at = serializers.DateTimeField()
    points = serializers.IntegerField()


class BalanceOut(serializers.Serializer):
    """``rewards.selectors.member_balance``: what redemption accepts, to the point."""

    member_id = serializers.IntegerField()
    status = serializers.CharField()
    points = serializers.IntegerField(
        min_value=0,
        help_text="Spendable points now: points past their expiry date do not count, even "
        "before the nightly job writes them off; a debt counts as 0 (see `debt`).",
    )
    debt = serializers.IntegerField(
        min_value=0, help_text="Points owed (a refund after the points were spent)."
    )
    lapsed_points = serializers.IntegerField(
        min_value=0,
        help_text="Past their expiry date, not spendable, written off by the nightly job.",
    )
    pending_points = serializers.IntegerField(help_text="Points in the return window.")
    value = serializers.DecimalField(
        max_digits=16, decimal_places=2, help_text="What the spendable points are worth."
    )
    currency = serializers.CharField()
    tier = serializers.CharField(allow_null=True)
    expiring_soon = ExpiringOut(many=True)


# ---------------------------------------------------------------- purchases


class LineIn(serializers.Serializer):
    amount = Amount(allow_zero=True)
    sku = Text(max_length=100, min_length=0, required=False)
    category = Text(max_length=100, min_length=0, required=False)
    quantity = Integer(min_value=1, max_value=1_000_000, required=False)
    is_gift_card = Boolean(required=False)
    is_reward_item = Boolean(required=False)


class BasketIn(serializers.Serializer):
    channel = Text(max_length=50)
    amount = Amount()
    shipping_amount = Amount(allow_zero=True, required=False)
    tax_amount = Amount(allow_zero=True, required=False)
    purchased_at = Moment(required=False)
    member_id = an_id(required=False, allow_null=True)
    lines = serializers.ListField(child=LineIn(), required=False, max_length=500)


class PurchaseIn(BasketIn):
    order_id = Text(max_length=100)
    currency = Text(max_length=3, min_length=3, pattern=r"^[A-Za-z]{3}$", required=False)
    referral_code = Text(
        max_length=40,
        pattern=REFERRAL_CODE,
        required=False,
        help_text="A friend's referral code the customer bought with: attached as the "
        "referral link does (same checks). A refused code never loses the purchase: it is "
        "recorded, and `referral` in the answer says what became of the code.",
    )


class RuleOut(serializers.Serializer):
    rule_id = serializers.IntegerField(allow_null=True)
    rule = serializers.CharField()
    points = serializers.IntegerField()


class QuoteOut(serializers.Serializer):
    points = serializers.IntegerField()
    eligible_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    rules = RuleOut(many=True)
    spendable_points = serializers.IntegerField(
        allow_null=True,
        help_text="With `member_id`: the points the member can spend now (as the balance "
        "endpoint and redemption count them); null without.",
    )


class PurchaseOut(serializers.Serializer):
    """Declared field by field: a ModelSerializer rebuilds its fields on every response,
    which costs more than the rest of the serialisation on the purchase hot path."""

    id = serializers.IntegerField()
    channel = serializers.CharField(source="channel.code")
    order_id = serializers.CharField()
    member_id = serializers.IntegerField(allow_null=True)
    purchased_at = serializers.DateTimeField()
    currency = serializers.CharField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    shipping_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    tax_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    eligible_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    refunded_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    status = serializers.ChoiceField(choices=Purchase.Status.choices)
    points_earned = serializers.IntegerField()
    rules = RuleOut(many=True, source="earn_breakdown")
    created_at = serializers.DateTimeField()


class ReferralErrorOut(serializers.Serializer):
    code = serializers.CharField(
        help_text="`unknown_referral_code`, `self_referral`, `already_referred`, "
        "`not_a_new_customer`, `referrer_not_active` or `no_member`."
    )
    message = serializers.CharField()


class ReferralOutcomeOut(serializers.Serializer):
    code = serializers.CharField()
    attached = serializers.BooleanField()
    referral_id = serializers.IntegerField(allow_null=True)
    status = serializers.ChoiceField(
        choices=Referral.Status.values,
        allow_null=True,
        help_text="The referral's status when attached (`qualified` when this purchase "
        "qualifies it, `awaiting_approval` when the fraud checks want a person to look).",
    )
    error = ReferralErrorOut(allow_null=True)


class PurchaseRecordedOut(PurchaseOut):
    referral = ReferralOutcomeOut(
        allow_null=True, help_text="What became of `referral_code`; null without one."
    )


class RefundIn(serializers.Serializer):
    amount = Amount()
    refund_id = Text(max_length=100, min_length=0, required=False)
    reason = Text(max_length=255, min_length=0, required=False)


class RefundOut(serializers.ModelSerializer):
    class Meta:
        model = Refund
        fields = [
            "id",
            "purchase_id",
            "refund_id",
            "amount",
            "points_reversed",
            "shortfall",
            "created_at",
        ]


# ---------------------------------------------------------------- redemptions


class RedeemRewardIn(serializers.Serializer):
    """Spend a reward's points on it."""

    member_id = an_id()
    reward_id = an_id()


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


# ---------------------------------------------------------------- actions and ledger


class ActionIn(serializers.Serializer):
    member_id = an_id()
    code = Text(max_length=100)
    reference = Text(max_length=200, min_length=0, required=False)
    occurred_at = Moment(required=False)


class LedgerEntryOut(serializers.ModelSerializer):
    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "member_id",
            "kind",
            "points",
            "pending_points",
            "shortfall",
            "description",
            "purchase_id",
            "refund_id",
            "redemption_id",
            "reference",
            "created_at",
            "effective_at",
        ]


class PingOut(serializers.Serializer):
    pong = serializers.BooleanField()
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=ApiKey.Scope.choices))
