"""The one function that hands a lifecycle message to Django's email backend.

In production the backend is any provider through django-anymail (``EMAIL_BACKEND =
"anymail.backends.<provider>.EmailBackend"``, see the README). The text is the admin's
template (campaigns.texts); the sender is the program's, as for every email to a member
(``rewards.messaging``); the headers carry the one-click unsubscribe.
"""

from django.core.mail import EmailMultiAlternatives

from members.models import Member
from rewards.messaging import sender
from rewards.models import Program


def deliver(*, member: Member, subject: str, body: str, headers: dict[str, str]) -> str:
    """Send one plain-text email to the member; the id the provider gave it ("" until the
    django-anymail backend is installed, whose ``message.anymail_status`` carries it)."""
    message = EmailMultiAlternatives(
        subject=subject,
        body=body,
        from_email=sender(Program.get()),
        to=[member.email],
        headers=headers,
    )
    message.send()
    return ""
