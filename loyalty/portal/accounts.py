"""The portal's sign-up page: allauth's, keeping the code of a friend's referral link."""

import re

from allauth.account.views import SignupView
from django.contrib import messages
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from referrals.selectors import ReferralOffer, referral_offer
from referrals.services import SESSION_KEY

from .ways import money

REFERRAL_CODE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


def invitation(offer: ReferralOffer) -> str:
    """What the friend who followed a referral link gets, on the page they land on."""
    if not offer.referee_points:
        return _("You were invited by a friend: join to start with them.")
    return ngettext(
        "You were invited by a friend: join, and get %(points)s point with your first "
        "purchase of %(amount)s or more.",
        "You were invited by a friend: join, and get %(points)s points with your first "
        "purchase of %(amount)s or more.",
        offer.referee_points,
    ) % {
        "points": formats.number_format(offer.referee_points, force_grouping=True),
        "amount": money(offer.min_purchase, offer.currency),
    }


def signup(request, *args, **kwargs):
    """allauth's sign-up page, keeping ``?ref=CODE`` of a referral link in the session.

    The code waits in the session until the new member's first page after email
    verification, where ``referrals.services.apply_referral_from_session`` records it.
    """
    code = request.GET.get("ref", "").strip()
    if code and REFERRAL_CODE.match(code):
        request.session[SESSION_KEY] = code
    invited = request.session.get(SESSION_KEY)  # by ?ref= or by the /r/<code>/ link
    if invited and request.method == "GET" and not request.user.is_authenticated:
        messages.info(request, invitation(referral_offer()))
    return SignupView.as_view()(request, *args, **kwargs)
