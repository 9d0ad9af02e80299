"""Small input and output serializers, one pair per API operation: members, ledger, errors.

The purchases' are in ``purchase_serializers``, the redemptions' in ``redemption_serializers``.
"""

from rest_framework import serializers

from members.models import Member
from rewards.models import ApiKey, LedgerEntry

from .fields import Day, Moment, Text, an_id

# The shape of an address (something@domain.tld, internationalised ones included, RFC
# 6531): not that shape is a 400. The rule itself, ``members.validation.check_email``
# (the admin's, the import's and sign-up's too), refuses the rest as a 422 on the field.
_ADDRESS_PART = r"[^@ \t\n\r\f\v\x00]+"  # explicit: Python's and ECMA's "\s" differ
EMAIL = rf"^{_ADDRESS_PART}@{_ADDRESS_PART}\.{_ADDRESS_PART}$"


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
