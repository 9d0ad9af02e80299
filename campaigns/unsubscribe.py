"""One-click unsubscribe (RFC 8058): a signed link per member, and the headers that carry it."""

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse

from loyalty.errors import ApplicationError
from members.models import Member

SALT = "campaigns.unsubscribe"


def token_for(member_id: int) -> str:
    """The member's id, signed: the same link in every email (no date: it never expires)."""
    return signing.Signer(salt=SALT).sign(str(member_id))


def url_for(member_id: int) -> str:
    path = reverse("campaigns:unsubscribe", args=[token_for(member_id)])
    return settings.SITE_URL.rstrip("/") + path


def headers_for(member_id: int) -> dict[str, str]:
    """The RFC 2369 link and the RFC 8058 one-click marker every marketing email carries."""
    return {
        "List-Unsubscribe": f"<{url_for(member_id)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def member_for(token: str) -> Member:
    try:
        member_id = int(signing.Signer(salt=SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        raise ApplicationError(
            "This unsubscribe link is not valid: copy the whole link from the email.",
            code="bad_token",
        ) from None
    member = Member.objects.filter(pk=member_id).first()
    if member is None:
        raise ApplicationError("This membership no longer exists.", code="not_found")
    return member


@transaction.atomic
def unsubscribe(*, token: str) -> Member:
    """Withdraw the member's consent to offers by email (idempotent)."""
    member = member_for(token)
    Member.objects.filter(pk=member.pk).update(email_offers=False)
    member.email_offers = False
    return member
