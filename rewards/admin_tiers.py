"""Admin of tiers on the member page (pin, paid tier, history) and of action rules.

Imported at the end of ``rewards.admin``: it extends that module's member admin.
"""

from decimal import Decimal

from django import forms
from django.contrib import admin
from django.shortcuts import get_object_or_404

from loyalty.admin_mixins import ChangedFieldsAdmin, HistoryAdmin
from members import tiers
from members.models import Member, Tier, TierChange

from . import actions
from .admin import LedgerMemberAdmin, ReadOnlyInline, when_field
from .models import ActionRule, MemberAction


class TierChangeInline(ReadOnlyInline):
    model = TierChange
    fk_name = "member"
    fields = ["created_at", "from_tier", "to_tier", "reason", "note", "created_by"]
    readonly_fields = fields
    verbose_name_plural = "Tier history"


class PinTierForm(forms.Form):
    tier = forms.ModelChoiceField(Tier.objects.all(), required=False, empty_label="(no tier)")
    reason = forms.CharField(max_length=255, help_text="Required; kept in the tier history.")


class UnpinTierForm(forms.Form):
    reason = forms.CharField(max_length=255)


class PaidTierForm(forms.Form):
    tier = forms.ModelChoiceField(Tier.objects.filter(is_paid=True))
    fee = forms.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0"))
    reason = forms.CharField(max_length=255, required=False, help_text="e.g. the payment reference")


class RecordActionForm(forms.Form):
    rule = forms.ModelChoiceField(ActionRule.objects.filter(active=True), to_field_name="code")
    reference = forms.CharField(max_length=200, required=False, help_text="e.g. the review's id")
    idempotency_key = forms.CharField(max_length=150, required=False)
    occurred_at = when_field()


class TierMemberAdmin(LedgerMemberAdmin):
    list_display = [*LedgerMemberAdmin.list_display, "tier"]
    list_filter = [*LedgerMemberAdmin.list_filter, "tier", "tier_pinned"]
    list_select_related = ["tier"]
    inlines = [*LedgerMemberAdmin.inlines, TierChangeInline]
    readonly_fields = [
        *LedgerMemberAdmin.readonly_fields,
        "tier",
        "tier_since",
        "tier_pinned",
        "tier_pinned_reason",
        "tier_grace_until",
        "tier_paid_until",
    ]
    fieldsets = (
        *LedgerMemberAdmin.fieldsets,
        (
            "Tier",
            {
                "fields": (
                    "tier",
                    "tier_since",
                    "tier_pinned",
                    "tier_pinned_reason",
                    "tier_grace_until",
                    "tier_paid_until",
                )
            },
        ),
    )
    object_actions = [
        *LedgerMemberAdmin.object_actions,
        ("pin-tier", "Set tier by hand", "pin_tier_view"),
        ("unpin-tier", "Release tier to evaluation", "unpin_tier_view"),
        ("paid-tier", "Assign a paid tier", "paid_tier_view"),
        ("record-action", "Record an action", "record_action_view"),
    ]

    def pin_tier_view(self, request, object_id):
        member = get_object_or_404(Member, pk=object_id)
        return self.run_form(
            request,
            member,
            PinTierForm,
            title=f"Set the tier of {member.email}",
            intro=f"Current tier: {member.tier or 'none'}. Evaluation leaves a pinned tier alone.",
            action=lambda data: tiers.pin_tier(
                member_id=member.pk,
                tier_id=data["tier"].pk if data["tier"] else None,
                reason=data["reason"],
                user=request.user,
            ),
            done=lambda change: f"{member.email} is now {change.to_tier or 'without a tier'}.",
        )

    def unpin_tier_view(self, request, object_id):
        member = get_object_or_404(Member, pk=object_id)
        return self.run_form(
            request,
            member,
            UnpinTierForm,
            title=f"Release the tier of {member.email} to evaluation",
            action=lambda data: tiers.unpin_tier(
                member_id=member.pk, reason=data["reason"], user=request.user
            ),
            done=lambda change: f"The tier of {member.email} follows evaluation again.",
        )

    def paid_tier_view(self, request, object_id):
        member = get_object_or_404(Member, pk=object_id)
        return self.run_form(
            request,
            member,
            PaidTierForm,
            title=f"Assign a paid tier to {member.email}",
            intro="Record a membership the customer paid for (no payment is taken here).",
            action=lambda data: tiers.assign_paid_tier(
                member_id=member.pk,
                tier_id=data["tier"].pk,
                fee=data["fee"],
                reason=data["reason"],
                user=request.user,
            ),
            done=lambda change: (
                f"{member.email} is {change.to_tier} until {change.paid_until:%Y-%m-%d}."
            ),
        )

    def record_action_view(self, request, object_id):
        member = get_object_or_404(Member, pk=object_id)
        return self.run_form(
            request,
            member,
            RecordActionForm,
            title=f"Record an action of {member.email}",
            action=lambda data: actions.record_action(
                member_id=member.pk,
                code=data["rule"].code,
                idempotency_key=data["idempotency_key"] or None,
                reference=data["reference"],
                user=request.user,
                occurred_at=data["occurred_at"],
            ),
            done=lambda entry: f"{entry.description}: {entry.points:+d} points.",
        )


admin.site.unregister(Member)
admin.site.register(Member, TierMemberAdmin)


@admin.register(ActionRule)
class ActionRuleAdmin(ChangedFieldsAdmin, admin.ModelAdmin):
    list_display = [
        "name",
        "kind",
        "code",
        "points",
        "limit",
        "limit_count",
        "active",
        "starts_at",
        "ends_at",
    ]
    list_filter = ["kind", "limit", "active"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}


@admin.register(MemberAction)
class MemberActionAdmin(HistoryAdmin, admin.ModelAdmin):
    list_display = ["occurred_at", "member", "rule", "reference", "created_by"]
    list_filter = ["rule", "occurred_at"]
    search_fields = ["member__email", "reference", "rule__code"]
    date_hierarchy = "occurred_at"
    list_select_related = ["member", "rule", "created_by"]
