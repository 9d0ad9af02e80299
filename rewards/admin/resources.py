"""django-import-export in the admin: exports of the records (members, purchases, the ledger,
redemptions) and the program's settings (rewards catalog, earn rules, tiers) exported from
one installation and imported into another, by name, with the dry run the admin shows.

Every exported text cell goes through ``loyalty.cells.safe_cell`` (a cell starting with
``=``, ``+``, ``-``, ``@``... is prefixed with ``'``); the library's own escaping only drops
a leading ``=`` and turns numbers into text, so it is off (``settings.py``). Numbers stay
numbers. Imported rows are checked by the models' validators (``rewards.validation``) and
by the ceiling of what one purchase may earn, as the admin's forms check them.
"""

from django.core.exceptions import ValidationError
from import_export import fields, resources, widgets
from import_export.admin import ExportMixin, ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX

from loyalty.cells import safe_cell
from loyalty.errors import ApplicationError
from members.models import Member, Tier

from .. import selectors, validation
from ..models import (
    Channel,
    EarnRule,
    LedgerEntry,
    PointLot,
    Program,
    Purchase,
    Redemption,
    Reward,
)

FORMATS = [CSV, XLSX]


class SafeResource(resources.ModelResource):
    """Text cells safe to open in a spreadsheet; numbers left as numbers."""

    def export_field(self, field, instance, **kwargs):
        if isinstance(field.widget, widgets.NumberWidget) and field.attribute:
            return field.get_value(instance)
        return safe_cell(super().export_field(field, instance, **kwargs))


# ---------------------------------------------------------------- records (export only)


class MemberResource(SafeResource):
    tier = fields.Field("tier__name", "tier")

    class Meta:
        model = Member
        fields = (
            *("email", "first_name", "last_name", "external_id", "status", "tier"),
            *("points_balance", "pending_points", "enrolled_at", "birthday"),
            *("email_offers", "sms_offers"),
        )


class PurchaseResource(SafeResource):
    channel = fields.Field("channel__code", "channel")
    member = fields.Field("member__email", "member")

    class Meta:
        model = Purchase
        fields = (
            *("order_id", "channel", "member", "purchased_at", "currency", "amount"),
            *("shipping_amount", "tax_amount", "eligible_amount", "points_earned"),
        )


class LedgerEntryResource(SafeResource):
    member = fields.Field("member__email", "member")

    class Meta:
        model = LedgerEntry
        fields = (
            *("id", "member", "kind", "points", "pending_points", "description"),
            *("effective_at", "created_at"),
        )


class PointLotResource(SafeResource):
    member = fields.Field("member__email", "member")

    class Meta:
        model = PointLot
        fields = (
            *("id", "member", "points", "remaining", "status", "is_debt"),
            *("earned_at", "available_at", "expires_at"),
        )


class RedemptionResource(SafeResource):
    member = fields.Field("member__email", "member")
    reward = fields.Field("reward__name", "reward")

    class Meta:
        model = Redemption
        fields = (
            *("code", "member", "reward", "points", "value", "currency", "status"),
            *("created_at", "used_at", "cancelled_at"),
        )


# ---------------------------------------------------------------- settings (export and import)


class SettingsResource(SafeResource):
    """Rows matched by name; every imported row checked like the admin's form."""

    class Meta:
        import_id_fields = ("name",)
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def before_save_instance(self, instance, row, **kwargs):
        """What one purchase could earn with this row must stay under the ceiling."""
        if isinstance(instance, Reward):
            return
        edited = {"rule": instance} if isinstance(instance, EarnRule) else {"tier": instance}
        label = "multiplier" if isinstance(instance, EarnRule) else "earn multiplier"
        try:
            validation.check_purchase_ceiling(
                selectors.most_points_per_purchase(**edited),
                field=label,
                label=label,
                max_amount=Program.get().max_purchase_amount,
            )
        except ApplicationError as exc:
            raise ValidationError({label.replace(" ", "_"): exc.message}) from None


class RewardResource(SettingsResource):
    class Meta:
        model = Reward
        fields = (
            *("name", "description", "kind", "points_cost", "discount_amount"),
            *("discount_percent", "sku", "cause", "stock", "valid_from", "valid_until", "active"),
        )


class ChannelWidget(widgets.ForeignKeyWidget):
    """A channel by its code; an unknown code refused in words."""

    def __init__(self):
        super().__init__(Channel, field="code")

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except Channel.DoesNotExist:
            known = ", ".join(Channel.objects.order_by("code").values_list("code", flat=True))
            raise ValueError(f"There is no channel {value!r} (known: {known}).") from None


class EarnRuleResource(SettingsResource):
    channel = fields.Field("channel", "channel", widget=ChannelWidget())

    class Meta:
        model = EarnRule
        fields = (
            *("name", "kind", "multiplier", "bonus_points", "active", "starts_at", "ends_at"),
            *("weekdays", "channel", "min_order_amount", "category", "sku"),
        )


class TierResource(SettingsResource):
    class Meta:
        model = Tier
        fields = (
            *("name", "rank", "measure", "threshold", "period", "earn_multiplier"),
            *("grace_months", "benefits", "is_paid", "fee", "term_months"),
        )


# ---------------------------------------------------------------- the admins' mixins


class ExportRecords(ExportMixin):
    """An Export button on a record's list: CSV or XLSX, cells escaped."""

    formats = FORMATS


class ImportExportSettings(ImportExportMixin):
    """Import and Export buttons on a setting's list: rows matched by name, a dry run first;
    importing needs the "add" permission (``IMPORT_EXPORT_IMPORT_PERMISSION_CODE``)."""

    formats = FORMATS
