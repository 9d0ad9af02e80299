"""Small input and output serializers, one pair per API operation."""

from rest_framework import serializers

from members.models import Member
from rewards.apimodels import ApiKey
from rewards.models import LedgerEntry, Purchase, Redemption, Refund

MAX_ID = 2**63 - 1
MAX_POINTS = 10**9


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


def money(**kwargs):
    return serializers.DecimalField(max_digits=14, decimal_places=2, **kwargs)


def an_id(**kwargs):
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


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
    tier = serializers.SerializerMethodField()

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


class LookupIn(serializers.Serializer):
    email = serializers.CharField(required=False, max_length=254)
    external_id = serializers.CharField(required=False, max_length=100)
    card_code = serializers.CharField(required=False, max_length=32)

    def validate(self, attrs):
        if not any(attrs.values()):
            raise serializers.ValidationError("give an email, an external_id or a card_code")
        return attrs


class EnrollIn(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    external_id = serializers.CharField(
        max_length=100, required=False, allow_blank=True, allow_null=True
    )
    birthday = serializers.DateField(required=False, allow_null=True)


class ExpiringOut(serializers.Serializer):
    expires_at = serializers.DateTimeField()
    points = serializers.IntegerField()


class BalanceOut(serializers.Serializer):
    member_id = serializers.IntegerField()
    status = serializers.CharField()
    points = serializers.IntegerField(help_text="Spendable points.")
    pending_points = serializers.IntegerField(help_text="Points in the return window.")
    value = serializers.DecimalField(max_digits=16, decimal_places=2)
    currency = serializers.CharField()
    tier = serializers.CharField(allow_null=True)
    expiring_soon = ExpiringOut(many=True)


# ---------------------------------------------------------------- purchases


class LineIn(serializers.Serializer):
    amount = money(min_value=0)
    sku = serializers.CharField(max_length=100, required=False, allow_blank=True)
    category = serializers.CharField(max_length=100, required=False, allow_blank=True)
    quantity = serializers.IntegerField(min_value=1, max_value=1_000_000, required=False)
    is_gift_card = serializers.BooleanField(required=False)
    is_reward_item = serializers.BooleanField(required=False)


class BasketIn(serializers.Serializer):
    channel = serializers.CharField(max_length=50)
    amount = money(min_value=0)
    shipping_amount = money(min_value=0, required=False)
    tax_amount = money(min_value=0, required=False)
    purchased_at = serializers.DateTimeField(required=False)
    member_id = an_id(required=False, allow_null=True)
    lines = LineIn(many=True, required=False, max_length=500)


class PurchaseIn(BasketIn):
    order_id = serializers.CharField(max_length=100)
    currency = serializers.CharField(max_length=3, required=False)


class RuleOut(serializers.Serializer):
    rule_id = serializers.IntegerField(allow_null=True)
    rule = serializers.CharField()
    points = serializers.IntegerField()


class QuoteOut(serializers.Serializer):
    points = serializers.IntegerField()
    eligible_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    rules = RuleOut(many=True)


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


class RefundIn(serializers.Serializer):
    amount = money(min_value=0)
    refund_id = serializers.CharField(max_length=100, required=False, allow_blank=True)
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True)


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


class RedeemIn(serializers.Serializer):
    member_id = an_id()
    reward_id = an_id(required=False)
    points = serializers.IntegerField(min_value=1, max_value=MAX_POINTS, required=False)

    def validate(self, attrs):
        if ("reward_id" in attrs) == ("points" in attrs):
            raise serializers.ValidationError("give either reward_id or points (not both)")
        return attrs


class CancelIn(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)


class ValidateCodeIn(serializers.Serializer):
    code = serializers.CharField(max_length=20)


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
    code = serializers.CharField(max_length=100)
    reference = serializers.CharField(max_length=200, required=False, allow_blank=True)
    occurred_at = serializers.DateTimeField(required=False)


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
