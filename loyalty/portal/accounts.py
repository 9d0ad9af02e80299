"""The portal's sign-up page: allauth's, keeping the code of a friend's referral link."""

import re

from allauth.account.views import SignupView
from django.contrib import messages

from referrals.services import SESSION_KEY

REFERRAL_CODE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


def signup(request, *args, **kwargs):
    """allauth's sign-up page, keeping ``?ref=CODE`` of a referral link in the session.

    The code waits in the session until the new member's first page after email
    verification, where ``referrals.services.apply_referral_from_session`` records it.
    """
    code = request.GET.get("ref", "").strip()
    if code and REFERRAL_CODE.match(code):
        request.session[SESSION_KEY] = code
        if request.method == "GET" and not request.user.is_authenticated:
            messages.info(request, "You were invited by a friend: join to start with them.")
    return SignupView.as_view()(request, *args, **kwargs)
