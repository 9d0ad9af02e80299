"""The shareable referral link: remembers the code for the signup, then sends to signup."""

from django.shortcuts import redirect

from . import services


def link(request, code):
    services.remember_referral_code(request, code)  # an unknown code is simply ignored
    return redirect("account_signup")
