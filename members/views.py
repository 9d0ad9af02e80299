"""The member portal's pages that need only the members app: the login's membership, profile.

The pages that show points, rewards and redemptions live in ``rewards.portal`` (rewards
may import members, not the other way round); ``rewards.portal_urls`` routes both under
the ``portal`` namespace.
"""

import re

from allauth.account.views import SignupView
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from loyalty.errors import ApplicationError

from .models import Member
from .services import enroll_member, update_profile

REFERRAL_CODE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


def member_for(request) -> tuple[Member | None, bool]:
    """The signed-in login's membership, and whether it was created by this call.

    A customer who already exists as a member (e.g. imported) claims it with the
    verified email address of their login; a login whose verified address matches no
    member joins the program. An unverified address never claims nor joins, so nobody
    takes over a membership by signing up with someone else's email.
    """
    user = request.user
    member = Member.objects.filter(user=user).first()
    if member is not None or not user.email:
        return member, False
    if not user.emailaddress_set.filter(email__iexact=user.email, verified=True).exists():
        return None, False
    member = Member.objects.filter(email__iexact=user.email).first()
    if member is not None:
        if member.user_id is not None:  # another login holds it: never hand it over
            return None, False
        member.user = user
        member.save(update_fields=["user", "updated_at"])
        return member, False
    if user.is_staff:  # a staff login is not a customer: it joins only by being enrolled
        return None, False
    try:
        member = enroll_member(
            email=user.email, first_name=user.first_name, last_name=user.last_name
        )
    except ApplicationError:  # enrolled concurrently (a double click): use that one
        member = Member.objects.filter(email__iexact=user.email, user__isnull=True).first()
        if member is None:
            return None, False
    member.user = user
    member.save(update_fields=["user", "updated_at"])
    return member, True


def signup(request, *args, **kwargs):
    """allauth's sign-up page, keeping ``?ref=CODE`` of a referral link in the session.

    The code waits in ``request.session["referral_code"]`` until the new member's first
    page after email verification, where the referrals app records the referral.
    """
    code = request.GET.get("ref", "").strip()
    if code and REFERRAL_CODE.match(code):
        request.session["referral_code"] = code
        if request.method == "GET" and not request.user.is_authenticated:
            messages.info(request, "You were invited by a friend: join to start with them.")
    return SignupView.as_view()(request, *args, **kwargs)


class ProfileForm(forms.Form):
    first_name = forms.CharField(max_length=150, required=False, label="First name")
    last_name = forms.CharField(max_length=150, required=False, label="Last name")
    birthday = forms.DateField(
        required=False,
        label="Birthday",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="For your birthday bonus. Set it once; ask us if it needs correcting.",
    )
    email_offers = forms.BooleanField(required=False, label="Send me offers by email")
    sms_offers = forms.BooleanField(required=False, label="Send me offers by text message")


@login_required
def profile(request):
    member, _ = member_for(request)
    if member is None or member.status == Member.Status.CLOSED:
        return redirect("portal:home")
    initial = {
        "first_name": member.first_name,
        "last_name": member.last_name,
        "birthday": member.birthday,
        "email_offers": member.email_offers,
        "sms_offers": member.sms_offers,
    }
    form = ProfileForm(request.POST or None, initial=initial)
    if member.birthday:
        form.fields["birthday"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            update_profile(member_id=member.pk, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "Your profile is saved.")
            return redirect("portal:profile")
    return render(request, "portal/profile.html", {"member": member, "form": form})
