"""The portal's invite-friends page: the member's referral link and how their friends did."""

from django.shortcuts import render

from referrals.selectors import referral_summary
from referrals.services import ensure_referral_code

from .access import portal_page


@portal_page
def referrals(request, member):
    ensure_referral_code(member_id=member.pk)  # every member has a code once they look
    summary = referral_summary(member)
    context = {
        "member": member,
        "referrals": summary,
        "link": request.build_absolute_uri(summary.link_path),
    }
    return render(request, "portal/referrals.html", context)
