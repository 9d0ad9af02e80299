"""A member's right to erasure, as staff carry it out: close the membership, then erase.

The points are forfeited by the ordinary closing (one ledger entry), so the reports
see the erasure as a closing and nothing else; the personal data goes through
``members.services.erase_personal_data``.
"""

import secrets

from django.db import transaction

from loyalty.db import retry_on_conflict
from loyalty.errors import ApplicationError
from members.models import Erasure, Member
from members.services import end_login, erase_personal_data, lock_member

from .ledger.postings import Posting
from .models import (
    LedgerEntry,
    PointLot,
)


@transaction.atomic
def erase_member(*, member_id: int, reason: str, user=None) -> Erasure:
    """Close the membership if it is open (forfeiting its points), then erase its data."""
    if Member.objects.filter(pk=member_id).exclude(status=Member.Status.CLOSED).exists():
        close_membership(member_id=member_id, user=user)
    return erase_personal_data(member_id=member_id, reason=reason, user=user)


@retry_on_conflict
@transaction.atomic
def close_membership(*, member_id: int, user=None) -> LedgerEntry | None:
    """Close a membership: forfeit every spendable and pending point in ONE entry.

    All lots with points left are taken, pending ones and ones past their expiry date
    included, so that the member's balance and pending points end at zero and the
    points leave the liability as forfeited. Redemption codes already issued stay
    valid: the member paid for them before closing. A debt (negative balance) is left
    as it is: it is owed to the program, not points of the member. The member's login
    can no longer sign in and its sessions end. Returns the entry, or None when there
    was nothing to forfeit.
    """
    member = lock_member(member_id)
    if member.status == Member.Status.CLOSED:
        raise ApplicationError(
            f"The member {member.email} is already closed.",
            code="already_closed",
            field="member",
        )
    lots = list(
        PointLot.objects.select_for_update()
        .filter(member=member, is_debt=False, remaining__gt=0)
        .order_by("pk")
    )
    entry = None
    total = sum(lot.remaining for lot in lots)
    if total:
        posting = Posting(
            member=member,
            kind=LedgerEntry.Kind.FORFEIT,
            idempotency_key=f"close:{member.pk}:{secrets.token_hex(8)}",
        )
        posting.take(total, lots=lots)
        entry = posting.post(
            description=f"Membership closed: {total} points forfeited",
            reason="closed by the member"
            if user is None or not user.is_staff
            else "closed by staff",
            created_by=user if user is not None and user.is_staff else None,
        )
    member.status = Member.Status.CLOSED
    member.save(update_fields=["status", "updated_at"])
    if member.user is not None:  # a closed membership has no login: it ends here
        end_login(user=member.user)
    return entry
