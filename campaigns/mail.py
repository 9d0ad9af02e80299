"""The one function that hands a lifecycle message to Django's email backend.

In production the backend is any provider through django-anymail (``EMAIL_BACKEND =
"anymail.backends.<provider>.EmailBackend"``, see the README). The text is the admin's
template (campaigns.texts); the sender is the program's, as for every email to a member
(``rewards.messaging``); the headers carry the one-click unsubscribe.
"""

from anymail.message import AnymailMessage

from members.models import Member
from rewards.messaging import sender
from rewards.models import Program


def deliver(*, member: Member, subject: str, body: str, headers: dict[str, str]) -> str:
    """Send one plain-text email to the member; the id the provider gave it: a django-anymail
    backend's ``message.anymail_status.message_id`` (what its tracking webhook reports opens
    and clicks by, campaigns.tracking), "" with any other backend."""
    # An EmailMultiAlternatives whose anymail_status an anymail backend fills (any other
    # backend sends it as it is and leaves the status empty).
    message = AnymailMessage(
        subject=subject,
        body=body,
        from_email=sender(Program.get()),
        to=[member.email],
        headers=headers,
    )
    message.send()
    message_id = message.anymail_status.message_id
    # One recipient, so one id; a set would mean the provider gave each recipient its own.
    return "" if message_id is None or isinstance(message_id, set) else str(message_id)
