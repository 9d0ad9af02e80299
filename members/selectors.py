"""Reads of the members app."""

from .models import Member


def find_member(*, email: str | None = None, external_id: str | None = None) -> Member | None:
    """The member with this external id, else with this email (case-insensitive)."""
    if external_id:
        member = Member.objects.filter(external_id=external_id.strip()).first()
        if member:
            return member
    if email:
        return Member.objects.filter(email__iexact=email.strip()).first()
    return None
