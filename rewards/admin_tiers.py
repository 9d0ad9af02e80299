"""Admin of tiers on the member page (pin, paid tier, history) and of action rules.

Imported at the end of ``rewards.admin``: it extends that module's member admin.
"""

from django import forms
from django.contrib import admin
from django.shortcuts import get_object_or_404

from loyalty.admin_mixins import ChangedFieldsAdmin, HistoryAdmin
from loyalty.errors import ApplicationError
from members import tiers
from members.admin import TierAdmin
from members.models import Member, Tier, TierChange

from . import actions, validation
from .admin import LedgerMemberAdmin, ReadOnlyInline
from .admin_forms import ceiling_error, checked, when_field
from .models import ActionRule, MemberAction

MONTHS = {"minimum": 0, "maximum": 120}


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
    fee = forms.DecimalField()
    reason = forms.CharField(max_length=255, required=False, help_text="e.g. the payment reference")

    def clean_fee(self):
        return checked(self, "fee", validation.check_amount, label="fee", allow_zero=True)


class TierForm(forms.ModelForm):
    """A tier's numbers within the program's limits; the rank order is the model's rule."""

    class Meta:
        model = Tier
        fields = [
            *("name", "rank", "earn_multiplier", "benefits", "measure", "threshold"),
            *("period", "grace_months", "is_paid", "fee", "term_months"),
        ]

    def clean_earn_multiplier(self):
        return checked(
            self, "earn_multiplier", validation.check_multiplier, label="earn multiplier"
        )

    def clean_rank(self):
        return checked(self, "rank", validation.check_count, label="rank", maximum=1000)

    def clean_grace_months(self):
        return checked(self, "grace_months", validation.check_count, label="grace period", **MONTHS)

    def clean_term_months(self):
        return checked(
            self, "term_months", validation.check_count, label="term", minimum=1, maximum=120
        )

    def clean_fee(self):
        return checked(self, "fee", validation.check_amount, label="fee", allow_zero=True)

    def clean(self):
        data = super().clean()
        threshold, measure = data.get("threshold"), data.get("measure")
        if threshold is None or measure is None:
            return data
        try:
            if measure == Tier.Measure.SPEND:  # a year's spend: not bound by one purchase
                validation.check_amount(
                    threshold,
                    field="threshold",
                    label="threshold",
                    limits=validation.COMPUTED,
                    allow_zero=True,
                )
            elif threshold != threshold.to_integral_value():
                self.add_error("threshold", "The threshold must be a whole number.")
            elif measure == Tier.Measure.POINTS:
                validation.check_points(
                    int(threshold), field="threshold", label="threshold", allow_zero=True
                )
            else:
                validation.check_count(
                    int(threshold), field="threshold", label="threshold", maximum=1_000_000
                )
        except ApplicationError as exc:
            self.add_error("threshold", exc.message)
        return data

    def _post_clean(self):
        super()._post_clean()
        if not self.errors:
            ceiling_error(self, "earn_multiplier", "earn multiplier", tier=self.instance)


class LimitedTierAdmin(TierAdmin):
    form = TierForm


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
admin.site.unregister(Tier)
admin.site.register(Tier, LimitedTierAdmin)


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
