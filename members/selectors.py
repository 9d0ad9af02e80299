"""Reads of the members app."""

from .models import Member, TierChange
from .tier_progress import TierProgress, progress


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


def tier_progress(member: Member, *, as_of=None) -> TierProgress:
    """What the member has, what the next tier needs and by when, for the portal."""
    return progress(member, as_of=as_of)


def tier_history(member: Member):
    """The member's tier changes, newest first."""
    return TierChange.objects.filter(member=member).select_related("from_tier", "to_tier")
