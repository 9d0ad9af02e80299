"""Input and output serializers of the purchases: record, quote, refund, referral outcome."""

from rest_framework import serializers

from referrals.models import Referral
from rewards.models import Purchase, Refund

from .fields import Amount, Boolean, Integer, Moment, Text, an_id

REFERRAL_CODE = r"^[A-Za-z0-9_-]{1,40}$"  # what the referral link takes (referrals/urls.py)


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
    refunded_at = Moment(
        required=False,
        help_text="When it was refunded, if not now; never before the purchase. Dated inside "
        "a closed period, the reports book it in the next open period.",
    )


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
