"""What rewards adds to the member's admin page: the ledger, adjustments, closing and erasure.

``loyalty.admin`` composes the one member admin from these parts (and the tiers' and
actions'). Every tool asks for what it needs (a confirmation, a reason) and calls a service.
"""

from django import forms
from django.contrib import admin
from django.shortcuts import get_object_or_404

from members.models import Member

from .. import privacy, validation
from ..adjustments.services import adjust_or_request
from ..models import LedgerEntry, PointLot
from ..privacy import close_membership
from .base import ReadOnlyInline
from .forms import AdjustForm


class LedgerEntryInline(ReadOnlyInline):
    model = LedgerEntry
    fk_name = "member"
    fields = [
        "effective_at",
        "entry",
        "points",
        "pending_points",
        "description",
        "reason",
        "created_by",
    ]
    readonly_fields = fields
    ordering = ["-effective_at", "-pk"]
    verbose_name_plural = "Ledger history"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("purchase", "redemption", "created_by")

    @admin.display(description="entry")
    def entry(self, obj):
        """ "Earned on purchase #1001: +12 points (pending)" (the pending points included)."""
        return str(obj)


class PointLotInline(ReadOnlyInline):
    model = PointLot
    fields = ["earned_at", "status", "points", "remaining", "available_at", "expires_at", "is_debt"]
    readonly_fields = fields
    verbose_name_plural = "Point lots"

    def get_queryset(self, request):
        return super().get_queryset(request).exclude(remaining=0)  # spent lots are history


class LedgerTools:
    """The member page's *Adjust points* (mixed in with ``ActionViewsMixin``, which runs it)."""

    inlines = [PointLotInline, LedgerEntryInline]
    tools = [("adjust", "Adjust points", "adjust_view")]

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
            action=lambda data: adjust_or_request(
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


class CloseMembershipForm(forms.Form):
    confirm = forms.BooleanField(
        label="Close it: every point is forfeited and the member's login stops working."
    )


class EraseForm(forms.Form):
    reason = forms.CharField(
        max_length=255, help_text="Required, e.g. the date and channel of the member's request."
    )
    confirm = forms.BooleanField(
        label="Erase it: names, email, birthday, external id and login are gone for good."
    )


class MembershipTools:
    """Mixed into the member admin (with ``ActionViewsMixin``, which runs the forms)."""

    tools = [
        ("close", "Close membership", "close_view"),
        ("erase", "Erase personal data", "erase_view"),
    ]

    def close_view(self, request, object_id):
        member = get_object_or_404(Member, pk=object_id)
        return self.run_form(
            request,
            member,
            CloseMembershipForm,
            title=f"Close the membership of {member.email}",
            intro=f"{member.points_balance} spendable and {member.pending_points} pending "
            "points are forfeited in one ledger entry; codes already issued stay valid.",
            action=lambda data: close_membership(member_id=member.pk, user=request.user),
            done=lambda entry: f"The membership of {member.email} is closed.",
        )

    def erase_view(self, request, object_id):
        member = get_object_or_404(Member, pk=object_id)
        return self.run_form(
            request,
            member,
            EraseForm,
            title=f"Erase the personal data of {member.email}",
            intro="On the member's request. The membership is closed first if it is open. "
            "Purchases and the points history stay, anonymised, so the reports still add up.",
            action=lambda data: privacy.erase_member(
                member_id=member.pk, reason=data["reason"], user=request.user
            ),
            done=lambda erasure: f"Member {member.pk}: personal data erased.",
        )
