"""The member page's tools that end a membership: close it, erase its personal data.

Both ask for a confirmation and call a service; the erasure also asks for the reason,
kept with the staff user who carried it out.
"""

from django import forms
from django.shortcuts import get_object_or_404

from members.models import Member

from . import privacy, services


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
            action=lambda data: services.close_membership(member_id=member.pk, user=request.user),
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
