"""Reads of the members app."""

from .models import Member


def find_member(
    *, email: str | None = None, external_id: str | None = None, card_code: str | None = None
) -> Member | None:
    """The member with this card code, else this external id, else this email (any case)."""
    if card_code:
        member = Member.objects.filter(card_code=card_code.strip()).first()
        if member:
            return member
    if external_id:
        member = Member.objects.filter(external_id=external_id.strip()).first()
        if member:
            return member
    if email:
        return Member.objects.filter(email__iexact=email.strip()).first()
    return None
