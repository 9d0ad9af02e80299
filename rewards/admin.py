"""Admin of the program, purchases, rules, rewards and the (read-only) ledger.

Forms that change points (record a purchase, refund, adjust, cancel a redemption)
call the services; the ledger itself cannot be edited or deleted from the admin.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from loyalty.admin_mixins import HistoryAdmin, RecordAdmin, SingletonAdmin
from loyalty.errors import ApplicationError
from members.admin import MemberAdmin
from members.models import Member

from . import services
from .models import (
    Channel,
    EarnRule,
    ExpiryPolicyChange,
    ExpiryReminder,
    LedgerEntry,
    PointLot,
    Program,
    Purchase,
    PurchaseLine,
    Redemption,
    Refund,
    Reward,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ActionViewsMixin:
    """Adds per-object pages with a form that calls a service (and buttons to reach them)."""

    change_form_template = "admin/loyalty/change_form_tools.html"
    object_actions: list[tuple[str, str, str]] = []  # (url suffix, label, method name)

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        extra = [
            path(
                f"<path:object_id>/{suffix}/",
                self.admin_site.admin_view(getattr(self, method)),
                name=f"{info[0]}_{info[1]}_{suffix}",
            )
            for suffix, _label, method in self.object_actions
        ]
        return extra + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        info = self.model._meta.app_label, self.model._meta.model_name
        tools = [
            {
                "url": reverse(f"admin:{info[0]}_{info[1]}_{suffix}", args=[object_id]),
                "label": label,
            }
            for suffix, label, _method in self.object_actions
        ]
        extra_context = {**(extra_context or {}), "loyalty_tools": tools}
        return super().change_view(request, object_id, form_url, extra_context)

    def run_form(self, request, obj, form_class, *, title, intro="", action, done):
        """Show ``form_class``; on a valid POST call ``action(data)`` and go back to the object."""
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        form = form_class(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                result = action(form.cleaned_data)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                self.message_user(request, done(result), messages.SUCCESS)
                info = self.model._meta.app_label, self.model._meta.model_name
                return HttpResponseRedirect(
                    reverse(f"admin:{info[0]}_{info[1]}_change", args=[obj.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": obj,
            "title": title,
            "intro": intro,
            "form": form,
        }
        return TemplateResponse(request, "admin/loyalty/action_form.html", context)


# ---------------------------------------------------------------- program


@admin.register(Program)
class ProgramAdmin(SingletonAdmin, admin.ModelAdmin):
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
    )


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "earns_points"]
    list_filter = ["earns_points"]
    search_fields = ["code", "name"]


@admin.register(EarnRule)
class EarnRuleAdmin(admin.ModelAdmin):
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
    )


# ---------------------------------------------------------------- members' ledger


class LedgerEntryInline(ReadOnlyInline):
    model = LedgerEntry
    fk_name = "member"
    fields = ["effective_at", "kind", "points", "pending_points", "description", "created_by"]
    readonly_fields = fields
    ordering = ["-effective_at", "-pk"]
    verbose_name_plural = "Ledger history"


class PointLotInline(ReadOnlyInline):
    model = PointLot
    fields = ["earned_at", "status", "points", "remaining", "available_at", "expires_at", "is_debt"]
    readonly_fields = fields
    verbose_name_plural = "Point lots"

    def get_queryset(self, request):
        return super().get_queryset(request).exclude(remaining=0)  # spent lots are history


class AdjustForm(forms.Form):
    points = forms.IntegerField(help_text="Positive to add points, negative to remove them.")
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), help_text="Required; kept in the ledger."
    )

    def clean_points(self):
        if self.cleaned_data["points"] == 0:
            raise forms.ValidationError("Enter a number of points other than zero.")
        return self.cleaned_data["points"]


class LedgerMemberAdmin(ActionViewsMixin, MemberAdmin):
    inlines = [PointLotInline, LedgerEntryInline]
    object_actions = [("adjust", "Adjust points", "adjust_view")]

    def adjust_view(self, request, object_id):
        member = get_object_or_404(Member, pk=object_id)
        return self.run_form(
            request,
            member,
            AdjustForm,
            title=f"Adjust the points of {member.email}",
            intro=f"Spendable balance: {member.points_balance} points.",
            action=lambda data: services.adjust_points(
                member_id=member.pk, points=data["points"], reason=data["reason"], user=request.user
            ),
            done=lambda entry: f"Adjusted {member.email} by {entry.points:+d} points.",
        )


admin.site.unregister(Member)
admin.site.register(Member, LedgerMemberAdmin)


# ---------------------------------------------------------------- purchases


class PurchaseLineInline(ReadOnlyInline):
    model = PurchaseLine
    fields = ["sku", "category", "quantity", "amount", "is_gift_card", "is_reward_item"]
    readonly_fields = fields


class RefundInline(ReadOnlyInline):
    model = Refund
    fields = [
        "created_at",
        "refund_id",
        "amount",
        "points_reversed",
        "shortfall",
        "reason",
        "created_by",
    ]
    readonly_fields = fields


class RecordPurchaseForm(forms.Form):
    channel = forms.ModelChoiceField(Channel.objects.all(), to_field_name="code")
    order_id = forms.CharField(max_length=100)
    member_email = forms.EmailField(
        required=False, help_text="Empty for a customer who is not a member."
    )
    amount = forms.DecimalField(
        max_digits=14,
        decimal_places=2,
        help_text="What the customer paid, shipping and tax included.",
    )
    shipping_amount = forms.DecimalField(max_digits=14, decimal_places=2, initial=0)
    tax_amount = forms.DecimalField(max_digits=14, decimal_places=2, initial=0)
    currency = forms.CharField(
        max_length=3, required=False, help_text="Empty for the program's currency."
    )
    purchased_at = forms.DateTimeField(initial=timezone.now)


class RefundForm(forms.Form):
    amount = forms.DecimalField(max_digits=14, decimal_places=2)
    reason = forms.CharField(max_length=255)


@admin.register(Purchase)
class PurchaseAdmin(ActionViewsMixin, admin.ModelAdmin):
    list_display = [
        "order_id",
        "channel",
        "member",
        "purchased_at",
        "amount",
        "currency",
        "points_earned",
        "status",
    ]
    list_filter = ["status", "channel", "purchased_at"]
    search_fields = ["order_id", "member__email", "member__external_id"]
    date_hierarchy = "purchased_at"
    list_select_related = ["channel", "member"]
    inlines = [PurchaseLineInline, RefundInline]
    object_actions = [("refund", "Refund or return", "refund_view")]
    readonly_fields = [
        "channel",
        "order_id",
        "member",
        "purchased_at",
        "currency",
        "amount",
        "shipping_amount",
        "tax_amount",
        "eligible_amount",
        "refunded_amount",
        "status",
        "points_earned",
        "points_by_rule",
    ]
    exclude = ["earn_breakdown"]

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Points by rule")
    def points_by_rule(self, obj):
        rows = [(row["rule"], row["points"]) for row in obj.earn_breakdown]
        if not rows:
            return "-"
        return format_html(
            "<table>{}</table>", format_html_join("", "<tr><td>{}</td><td>{}</td></tr>", rows)
        )

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = RecordPurchaseForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                member_id = None
                if data["member_email"]:
                    member = Member.objects.filter(email__iexact=data["member_email"]).first()
                    if member is None:
                        raise ApplicationError(f"no member with email {data['member_email']}")
                    member_id = member.pk
                purchase = services.record_purchase(
                    channel=data["channel"].code,
                    order_id=data["order_id"],
                    member_id=member_id,
                    amount=data["amount"],
                    shipping_amount=data["shipping_amount"],
                    tax_amount=data["tax_amount"],
                    currency=data["currency"] or None,
                    purchased_at=data["purchased_at"],
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                self.message_user(
                    request, f"Recorded order {purchase.order_id}: {purchase.points_earned} points."
                )
                return HttpResponseRedirect(
                    reverse("admin:rewards_purchase_change", args=[purchase.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Record a purchase",
            "form": form,
        }
        return TemplateResponse(request, "admin/loyalty/action_form.html", context)

    def refund_view(self, request, object_id):
        purchase = get_object_or_404(Purchase, pk=object_id)
        return self.run_form(
            request,
            purchase,
            RefundForm,
            title=f"Refund order {purchase.order_id}",
            intro=f"Paid {purchase.amount} {purchase.currency}, "
            f"refunded so far {purchase.refunded_amount}.",
            action=lambda data: services.refund_purchase(
                purchase_id=purchase.pk,
                amount=data["amount"],
                reason=data["reason"],
                user=request.user,
            ),
            done=lambda refund: (
                f"Refunded {refund.amount}: {refund.points_reversed} points reversed"
                + (f", {refund.shortfall} already spent" if refund.shortfall else "")
                + "."
            ),
        )


# ---------------------------------------------------------------- rewards


@admin.register(Reward)
class RewardAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "points_cost", "stock", "valid_from", "valid_until", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["name", "sku", "cause"]


class CancelRedemptionForm(forms.Form):
    reason = forms.CharField(max_length=255)


@admin.register(Redemption)
class RedemptionAdmin(RecordAdmin, ActionViewsMixin, admin.ModelAdmin):
    list_display = [
        "code",
        "member",
        "reward",
        "points",
        "value",
        "status",
        "created_at",
        "used_at",
    ]
    list_filter = ["status", "reward", "created_at"]
    search_fields = ["code", "member__email", "cause"]
    list_select_related = ["member", "reward"]
    object_actions = [("cancel", "Cancel and give the points back", "cancel_view")]

    def cancel_view(self, request, object_id):
        redemption = get_object_or_404(Redemption, pk=object_id)
        return self.run_form(
            request,
            redemption,
            CancelRedemptionForm,
            title=f"Cancel redemption {redemption.code}",
            intro=f"{redemption.points} points go back to {redemption.member.email}.",
            action=lambda data: services.cancel_redemption(
                redemption_id=redemption.pk, reason=data["reason"], user=request.user
            ),
            done=lambda r: f"Cancelled {r.code}; {r.points} points given back.",
        )


@admin.register(LedgerEntry)
class LedgerEntryAdmin(HistoryAdmin, admin.ModelAdmin):
    list_display = [
        "effective_at",
        "member",
        "kind",
        "points",
        "pending_points",
        "description",
        "created_by",
    ]
    list_filter = ["kind", "effective_at"]
    search_fields = ["member__email", "description", "idempotency_key", "reference"]
    date_hierarchy = "effective_at"
    list_select_related = ["member", "created_by"]


@admin.register(PointLot)
class PointLotAdmin(LedgerEntryAdmin):
    list_display = [
        "pk",
        "member",
        "status",
        "points",
        "remaining",
        "earned_at",
        "available_at",
        "expires_at",
        "is_debt",
    ]
    list_filter = ["status", "is_debt", "expires_at"]
    search_fields = ["member__email"]
    date_hierarchy = "earned_at"
    list_select_related = ["member"]


# ---------------------------------------------------------------- expiry


@admin.action(
    description="Apply the expiry policy to existing open lots (recorded; changes no points)"
)
def apply_expiry_policy_to_open_lots(modeladmin, request, queryset):
    change = services.apply_expiry_policy_to_open_lots(user=request.user)
    modeladmin.message_user(
        request,
        f"Applied {change.get_policy_display().lower()} ({change.months} months) to "
        f"{change.lots_updated} open lots; the next expiry run expires those now due.",
        messages.SUCCESS,
    )


ProgramAdmin.actions = [apply_expiry_policy_to_open_lots]


@admin.register(ExpiryPolicyChange)
class ExpiryPolicyChangeAdmin(RecordAdmin, admin.ModelAdmin):
    list_display = ["applied_at", "policy", "months", "lots_updated", "applied_by"]
    list_filter = ["policy", "applied_at"]
    search_fields = ["applied_by__email"]


@admin.register(ExpiryReminder)
class ExpiryReminderAdmin(ExpiryPolicyChangeAdmin):
    list_display = ["sent_at", "member", "points", "expires_on", "window_days"]
    list_filter = ["window_days", "sent_at", "expires_on"]
    search_fields = ["member__email"]
    list_select_related = ["member"]


# Tiers and actions on the member page; API keys, idempotency records and webhooks.
from . import admin_tiers, apiadmin  # noqa: E402, F401

# Purchase imports (upload, preview, confirm, progress) live with the importer.
from .importing import admin as _import_admin  # noqa: E402, F401
