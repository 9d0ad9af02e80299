"""allauth's forms with the members' email rule: internationalised addresses (RFC 6531).

allauth's email fields are Django's ``EmailField`` (ASCII mailbox names only) rendered as
``type=email`` (which browsers refuse for ``josé@exämple.de`` too); these swap in
``members.fields.EmailAddressFormField``, which applies ``members.validation.check_email``.
"""

from allauth.account import forms as allauth_forms
from django import forms

from members.fields import EmailAddressFormField


class _MembersEmailRule:
    """Replaces the form's email field (``email_field``) with the members' one."""

    email_field = "email"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        widget = forms.TextInput(attrs={"placeholder": "Email address"})
        self.fields[self.email_field] = EmailAddressFormField(label="Email", widget=widget)


class SignupForm(_MembersEmailRule, allauth_forms.SignupForm):
    pass


class LoginForm(_MembersEmailRule, allauth_forms.LoginForm):
    email_field = "login"


class ResetPasswordForm(_MembersEmailRule, allauth_forms.ResetPasswordForm):
    pass


class AddEmailForm(_MembersEmailRule, allauth_forms.AddEmailForm):
    pass
