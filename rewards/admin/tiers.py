"""Admin of tiers (their numbers within the program's limits) and the member page's tier tools.

Pin a tier by hand, release it to evaluation, assign a paid tier, and the tier history;
``loyalty.admin`` composes ``TierTools`` into the one member admin.
"""

from django import forms
from django.contrib import admin
from django.db.models import Count
from django.shortcuts import get_object_or_404

from loyalty.admin_mixins import ChangedFieldsAdmin, ProtectedDeleteAdmin
from loyalty.errors import ApplicationError
from members.models import Member, Tier, TierChange

from .. import validation
from ..tiers import services as tiers
from ..tiers.validation import check_threshold
from .base import ReadOnlyInline
from .forms import ceiling_error, checked

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
            check_threshold(threshold, measure=measure)
        except ApplicationError as exc:
            self.add_error("threshold", exc.message)
        return data

    def _post_clean(self):
        super()._post_clean()
        if not self.errors:
            ceiling_error(self, "earn_multiplier", "earn multiplier", tier=self.instance)


@admin.register(Tier)
class TierAdmin(ChangedFieldsAdmin, ProtectedDeleteAdmin, admin.ModelAdmin):
    form = TierForm
    list_display = [
        "name",
        "rank",
        "measure",
        "threshold",
        "period",
        "earn_multiplier",
        "grace_months",
        "is_paid",
        "fee",
        "term_months",
        "member_count",
    ]
    list_filter = ["measure", "period", "is_paid"]
    search_fields = ["name", "benefits"]
    fieldsets = (
        (None, {"fields": ("name", "rank", "earn_multiplier", "benefits")}),
        ("Qualification", {"fields": ("measure", "threshold", "period", "grace_months")}),
        ("Paid tier (subscription)", {"fields": ("is_paid", "fee", "term_months")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_members=Count("members"))

    @admin.display(description="members", ordering="_members")
    def member_count(self, obj):
        return obj._members


TIER_FIELDS = (
    "tier",
    "tier_since",
    "tier_pinned",
    "tier_pinned_reason",
    "tier_grace_until",
    "tier_paid_until",
)


class TierTools:
    """The member page's tier section, history and tools (mixed in with ``ActionViewsMixin``).

    The tier fields are read-only: only the tier services write them, under the member lock.
    """

    inlines = [TierChangeInline]
    readonly_fields = list(TIER_FIELDS)
    fieldsets = (("Tier", {"fields": TIER_FIELDS}),)
    tools = [
        ("pin-tier", "Set tier by hand", "pin_tier_view"),
        ("unpin-tier", "Release tier to evaluation", "unpin_tier_view"),
        ("paid-tier", "Assign a paid tier", "paid_tier_view"),
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
