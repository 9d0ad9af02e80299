"""A member's right to erasure, as staff carry it out: close the membership, then erase.

The points are forfeited by the ordinary closing (one ledger entry), so the reports
see the erasure as a closing and nothing else; the personal data goes through
``members.services.erase_personal_data``.
"""

from django.db import transaction

from members.models import Erasure, Member
from members.services import erase_personal_data

from .services import close_membership


@transaction.atomic
def erase_member(*, member_id: int, reason: str, user=None) -> Erasure:
    """Close the membership if it is open (forfeiting its points), then erase its data."""
    if Member.objects.filter(pk=member_id).exclude(status=Member.Status.CLOSED).exists():
        close_membership(member_id=member_id, user=user)
    return erase_personal_data(member_id=member_id, reason=reason, user=user)
