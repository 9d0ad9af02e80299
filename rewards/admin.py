"""Admin of the members' ledger, rewards, redemptions and the (read-only) ledger.

Forms that change points (record a purchase, refund, adjust, cancel a redemption)
call the services; the ledger itself cannot be edited or deleted from the admin.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from loyalty.admin_mixins import ChangedFieldsAdmin, HistoryAdmin, RecordAdmin
from loyalty.errors import ApplicationError
from members.admin import MemberAdmin
from members.models import Member

from . import adjustments, services, validation
from .admin_forms import (
    AdjustForm,
    CancelRedemptionForm,
    MemberForm,
    refuse_beside,
)
from .admin_membership import MembershipTools
from .models import (
    ExpiryPolicyChange,
    ExpiryReminder,
    LedgerEntry,
    PointLot,
    Redemption,
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
                refuse_beside(form, exc)
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


# ---------------------------------------------------------------- members' ledger


class LedgerEntryInline(ReadOnlyInline):
    model = LedgerEntry
    fk_name = "member"
    fields = [
        "effective_at",
        "kind",
        "points",
        "pending_points",
        "description",
        "reason",
        "created_by",
    ]
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


class LedgerMemberAdmin(MembershipTools, ActionViewsMixin, MemberAdmin):
    form = MemberForm
    inlines = [PointLotInline, LedgerEntryInline]
    object_actions = [("adjust", "Adjust points", "adjust_view"), *MembershipTools.tools]

    def adjust_view(self, request, object_id):
        member = get_object_or_404(Member, pk=object_id)
        limits = validation.limits()
        return self.run_form(
            request,
            member,
            AdjustForm,
            title=f"Adjust the points of {member.email}",
            intro=f"Spendable balance: {member.points_balance:,} points. An adjustment of more "
            f"than {limits.large_points:,} points waits for a second staff user's approval.",
            action=lambda data: adjustments.adjust_or_request(
                member_id=member.pk,
                points=data["points"],
                note=data["reason"],
                description=data["description"],
                user=request.user,
                effective_at=data["effective_at"],
            ),
            done=self._adjusted,
        )

    @staticmethod
    def _adjusted(result) -> str:
        if isinstance(result, LedgerEntry):
            return f"Adjusted {result.member.email} by {result.points:+,} points."
        return (
            f"{result.points:+,} points for {result.member.email} wait for another staff "
            "user's approval (Large adjustments): nothing is credited until then."
        )


admin.site.unregister(Member)
admin.site.register(Member, LedgerMemberAdmin)


# ---------------------------------------------------------------- rewards


@admin.register(Reward)
class RewardAdmin(ChangedFieldsAdmin, admin.ModelAdmin):
    list_display = ["name", "kind", "points_cost", "stock", "valid_from", "valid_until", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["name", "sku", "cause"]


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
                redemption_id=redemption.pk,
                reason=data["reason"],
                user=request.user,
                effective_at=data["effective_at"],
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
        "reason",
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


# The program's settings; purchases; tiers and actions on the member page; large
# adjustments waiting for a second approval.
# API keys, idempotency records and webhooks: registered beside their models.
from . import (  # noqa: E402, F401
    admin_adjustments,
    admin_purchases,
    admin_settings,
    admin_tiers,
    apiadmin,  # noqa: E402, F401
)

# Purchase imports (upload, preview, confirm, progress) live with the importer.
from .importing import admin as _import_admin  # noqa: E402, F401
