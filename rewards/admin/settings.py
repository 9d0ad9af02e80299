"""Admin of the program's settings: the program (with its limits), channels and earn rules.

The forms check every number with
``rewards.validation``; saving an earn rule that stacks with others warns and names them.
"""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html_join

from loyalty.admin_mixins import ChangedFieldsAdmin, ProtectedDeleteAdmin, SingletonAdmin

from .. import brand, selectors
from ..expiry import services as expiry
from ..models import Channel, EarnRule, Program
from .forms import EarnRuleForm, ProgramForm

# ---------------------------------------------------------------- program


@admin.register(Program)
class ProgramAdmin(ChangedFieldsAdmin, SingletonAdmin, admin.ModelAdmin):
    form = ProgramForm
    list_display = [
        "name",
        "currency",
        "earn_points",
        "earn_per_amount",
        "point_value",
        "expiry_policy",
    ]
    fieldsets = (
        (None, {"fields": ("name", "currency", "auto_enroll")}),
        (
            "Earning",
            {"fields": ("earn_points", "earn_per_amount", "rounding", "return_window_days")},
        ),
        ("What earns", {"fields": ("earn_on_shipping", "earn_on_tax", "earn_on_gift_cards")}),
        ("Redeeming", {"fields": ("point_value", "allow_negative_balance")}),
        ("Expiry", {"fields": ("expiry_policy", "expiry_months", "expiry_reminder_days")}),
        (
            "Brand and messages (the portal and the members' emails)",
            {
                "fields": (
                    "brand_color",
                    "logo_upload",
                    "remove_logo",
                    "email_sender_name",
                    "offers_sms",
                )
            },
        ),
        (
            "Limits (what staff and systems can enter)",
            {
                "fields": (
                    "max_purchase_amount",
                    "max_points_per_entry",
                    "earliest_date",
                    "large_purchase_amount",
                    "large_adjustment_points",
                ),
                "description": "A purchase above the large amount asks staff to confirm; an "
                "adjustment above the large number of points waits for a second staff "
                "user's approval.",
            },
        ),
    )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if form.cleaned_data.get("logo_upload"):
            brand.set_logo(data=form.cleaned_data["logo_upload"])
        elif form.cleaned_data.get("remove_logo"):
            brand.set_logo(data=None)


@admin.register(Channel)
class ChannelAdmin(ChangedFieldsAdmin, ProtectedDeleteAdmin, admin.ModelAdmin):
    list_display = ["code", "name", "earns_points"]
    list_filter = ["earns_points"]
    search_fields = ["code", "name"]


@admin.register(EarnRule)
class EarnRuleAdmin(ChangedFieldsAdmin, ProtectedDeleteAdmin, admin.ModelAdmin):
    form = EarnRuleForm
    readonly_fields = ["stacks_with"]
    list_display = [
        "name",
        "kind",
        "multiplier",
        "bonus_points",
        "active",
        "starts_at",
        "ends_at",
        "channel",
        "category",
        "sku",
    ]
    list_filter = ["active", "kind", "channel"]
    search_fields = ["name", "category", "sku"]
    fieldsets = (
        (None, {"fields": ("name", "active", "kind", "multiplier", "bonus_points")}),
        (
            "When it applies",
            {
                "fields": (
                    "starts_at",
                    "ends_at",
                    "weekdays",
                    "channel",
                    "min_order_amount",
                    "category",
                    "sku",
                )
            },
        ),
        ("Other rules that apply to the same purchases", {"fields": ("stacks_with",)}),
    )

    @admin.display(description="Stacks with")
    def stacks_with(self, obj):
        rules = selectors.overlapping_rules(obj) if obj and obj.pk else []
        if not rules:
            return "No other active rule applies on the same days and channel."
        return format_html_join(
            ", ",
            '<a href="{}">{}</a>',
            ((reverse("admin:rewards_earnrule_change", args=[r.pk]), r.name) for r in rules),
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        rules = selectors.overlapping_rules(obj)
        if rules:
            names = ", ".join(f"“{rule.name}”" for rule in rules)
            self.message_user(
                request,
                f"“{obj.name}” stacks with {names}: on the same days and channel their points "
                "add up. Saved anyway; check that this is what you want.",
                messages.WARNING,
            )


@admin.action(
    description="Apply the expiry policy to existing open lots (recorded; changes no points)"
)
def apply_expiry_policy_to_open_lots(modeladmin, request, queryset):
    change = expiry.apply_expiry_policy_to_open_lots(user=request.user)
    modeladmin.message_user(
        request,
        f"Applied {change.get_policy_display().lower()} ({change.months} months) to "
        f"{change.lots_updated} open lots; the next expiry run expires those now due.",
        messages.SUCCESS,
    )


ProgramAdmin.actions = [apply_expiry_policy_to_open_lots]
