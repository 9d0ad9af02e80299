"""The portal's profile pages: the member's details and consents, closing the membership."""

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loyalty.errors import ApplicationError
from members.services import update_profile
from rewards.models import Program, Redemption
from rewards.privacy import close_membership
from rewards.selectors import member_balance

from .access import portal_page


class ProfileForm(forms.Form):
    first_name = forms.CharField(max_length=150, required=False, label=gettext_lazy("First name"))
    last_name = forms.CharField(max_length=150, required=False, label=gettext_lazy("Last name"))
    birthday = forms.DateField(
        required=False,
        label=gettext_lazy("Birthday"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy(
            "For your birthday bonus. Set it once; ask us if it needs correcting."
        ),
    )
    email_offers = forms.BooleanField(required=False, label=gettext_lazy("Send me offers by email"))
    sms_offers = forms.BooleanField(
        required=False, label=gettext_lazy("Send me offers by text message")
    )
    phone = forms.CharField(
        max_length=40,
        required=False,
        label=gettext_lazy("Mobile phone"),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        help_text=gettext_lazy(
            "With the country code, e.g. +49 151 12345678: for our text messages."
        ),
    )


@portal_page
def profile(request, member):
    initial = {
        "first_name": member.first_name,
        "last_name": member.last_name,
        "birthday": member.birthday,
        "email_offers": member.email_offers,
        "sms_offers": member.sms_offers,
        "phone": member.phone,
    }
    form = ProfileForm(request.POST or None, initial=initial)
    if not Program.get().offers_sms:
        del form.fields["phone"]  # no texts are sent: no number is asked for
    if member.birthday:
        form.fields["birthday"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            update_profile(member_id=member.pk, **{"phone": None, **form.cleaned_data})
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("portal:profile")
    return render(request, "portal/profile.html", {"member": member, "form": form})


@portal_page
def close(request, member):
    """Close the membership after an explicit confirmation; the points are forfeited."""
    issued = list(Redemption.objects.filter(member=member, status=Redemption.Status.ISSUED))
    error = ""
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            error = _("Tick the box to confirm that you want to close your membership.")
        else:
            try:
                close_membership(member_id=member.pk, user=request.user)
            except ApplicationError as exc:
                error = exc.message
            else:
                logout(request)
                return render(request, "portal/closed.html")
    context = {
        "member": member,
        "issued": issued,
        "error": error,
        "balance": member_balance(member),
    }
    return render(request, "portal/close.html", context, status=400 if error else 200)
