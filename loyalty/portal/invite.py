"""The portal's invite-friends page: what each friend gets, the link, ways to share it."""

from urllib.parse import quote

from django.shortcuts import render
from django.utils.translation import gettext as _

from referrals.selectors import referral_offer, referral_summary
from referrals.services import ensure_referral_code
from rewards.models import Program

from .access import portal_page
from .ways import money


def share_links(*, link: str, text: str, subject: str) -> dict:
    """mailto, WhatsApp and SMS links carrying the invitation (no script needed)."""
    message = f"{text} {link}"
    return {
        "mailto": f"mailto:?subject={quote(subject)}&body={quote(message)}",
        "whatsapp": f"https://wa.me/?text={quote(message)}",
        "sms": f"sms:?&body={quote(message)}",
    }


@portal_page
def referrals(request, member):
    ensure_referral_code(member_id=member.pk)  # every member has a code once they look
    summary = referral_summary(member)
    offer = referral_offer()
    link = request.build_absolute_uri(summary.link_path)
    name = Program.get().name
    text = _("Join me at %(program)s and earn points every time you shop.") % {"program": name}
    if offer.referee_points:
        text = _("Join me at %(program)s: you get %(points)s points with your first purchase.") % {
            "program": name,
            "points": offer.referee_points,
        }
    context = {
        "member": member,
        "referrals": summary,
        "offer": offer,
        "min_purchase": money(offer.min_purchase, offer.currency),
        "link": link,
        "share_text": text,
        "share": share_links(link=link, text=text, subject=name),
    }
    return render(request, "portal/referrals.html", context)
