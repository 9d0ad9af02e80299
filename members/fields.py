"""Email address fields (model and form) that accept internationalised addresses (RFC 6531).

Django's ``EmailField`` refuses a mailbox name beyond ASCII (``josé@exämple.de``), which
real customer lists hold; these use ``members.validation.check_email`` instead, the one
rule of the admin, the API, the import and sign-up.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from loyalty.errors import ApplicationError

from .validation import EMAIL_MAX, check_email


def validate_email_address(value) -> None:
    try:
        check_email(value)
    except ApplicationError as exc:
        raise ValidationError(exc.message, code="invalid") from None


class EmailAddressFormField(forms.CharField):
    """A text input (a browser's ``type=email`` refuses non-ASCII mailbox names)."""

    default_validators = [validate_email_address]

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", EMAIL_MAX)
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "inputmode": "email", "autocomplete": "email"}

    def clean(self, value):
        value = super().clean(value)
        return value.lower() if value else value


class EmailAddressField(models.CharField):
    """Not a subclass of ``EmailField``: the admin would give it a ``type=email`` input."""

    default_validators = [validate_email_address]
    description = "Email address (internationalised addresses allowed)"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", EMAIL_MAX)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if kwargs.get("max_length") == EMAIL_MAX:
            del kwargs["max_length"]
        return name, path, args, kwargs

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": EmailAddressFormField, **kwargs})
