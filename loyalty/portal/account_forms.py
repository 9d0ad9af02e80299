"""allauth's forms with the members' email rule: internationalised addresses (RFC 6531).

allauth's email fields are Django's ``EmailField`` (ASCII mailbox names only) rendered as
``type=email`` (which browsers refuse for ``josé@exämple.de`` too); these swap in
``members.fields.EmailAddressFormField``, which applies ``members.validation.check_email``.
"""

from allauth.account import forms as allauth_forms
from django import forms

from members.fields import EmailAddressFormField


def _email_field(**kwargs) -> EmailAddressFormField:
    widget = forms.TextInput(attrs={"placeholder": "Email address"})
    return EmailAddressFormField(label="Email", widget=widget, **kwargs)


class SignupForm(allauth_forms.SignupForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"] = _email_field()


class LoginForm(allauth_forms.LoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"] = _email_field()


class ResetPasswordForm(allauth_forms.ResetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"] = _email_field()


class AddEmailForm(allauth_forms.AddEmailForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"] = _email_field()
