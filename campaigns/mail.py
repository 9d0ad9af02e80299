"""The one function that hands a member's email to Django's email backend.

In production the backend is any provider through django-anymail (``EMAIL_BACKEND =
"anymail.backends.<provider>.EmailBackend"``, see the README). When issue 17's
``rewards.messaging.send_member_email`` lands on main, this function becomes a call to it.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from members.models import Member


def deliver(*, member: Member, subject: str, body: str, headers: dict[str, str]) -> str:
    """Send one plain-text email to the member; the id the provider gave it ("" until the
    django-anymail backend is installed, whose ``message.anymail_status`` carries it)."""
    message = EmailMultiAlternatives(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[member.email],
        headers=headers,
    )
    message.send()
    return ""
