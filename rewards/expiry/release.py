"""Pending points released once their return window has passed, a batch of members at a time.

A member with a debt goes through the ledger's own path (``Posting.settle_debt``), as
the released points pay the debt first; everyone else's release is set-based.
"""

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from loyalty.db import retry_on_conflict
from members.models import Member
from members.services import lock_member

from .. import signals
from ..ledger.bulk import Move, entry_key, lots_digest, post_entries, release_lots
from ..ledger.postings import Posting
from ..models import (
    LedgerEntry,
    PointLot,
)


@retry_on_conflict
@transaction.atomic
def release_batch(
    member_ids: list[int], *, now: datetime, one_member: Callable[[int, datetime], int]
) -> tuple[int, int]:
    """Release the due pending lots of these members; returns (members, points).

    The lots are read under the member locks, so a concurrent or repeated run finds
    them released already; the entry's key (member + lot ids) refuses a second entry.
    """
    balances = dict(Member.objects.locked(member_ids).values_list("pk", "points_balance"))
    lots = (
        PointLot.objects.filter(
            member_id__in=list(balances), status=PointLot.Status.PENDING, available_at__lte=now
        )
        .order_by("member_id", "pk")
        .values_list("pk", "member_id", "remaining", "available_at")
    )
    by_member: dict[int, list[Move]] = defaultdict(list)
    for pk, member_id, remaining, available_at in lots:
        by_member[member_id].append(Move(pk, remaining, available_at))

    released = 0
    simple = {}
    for member_id, moves in by_member.items():
        if balances[member_id] < 0:  # the released points settle the debt first
            released += one_member(member_id, now)
        else:
            simple[(member_id,)] = moves
    release_lots([move.lot_id for moves in simple.values() for move in moves])
    entries = post_entries(
        LedgerEntry.Kind.RELEASE,
        simple,
        sign=1,
        pending=True,
        describe=lambda points: f"{points} pending points are now spendable",
    )
    if entries:  # released points now count for tiers: one upgrade check for the batch
        signals.points_released.send(
            sender=LedgerEntry, entry=None, member_ids=[entry.member_id for entry in entries]
        )
    released += sum(entry.points for entry in entries)
    return len(by_member), released


def release_pending_points(*, now: datetime | None = None, batch_size: int = 500) -> dict:
    """Make pending points spendable once their return window has passed.

    One transaction per batch of members (``release_batch``) and one ``release``
    entry per member; the due lots are re-read under the member locks, so a concurrent
    or repeated run releases nothing twice.
    """
    now = now or timezone.now()
    released_points = members = 0
    last_id = 0
    while True:
        member_ids = list(
            PointLot.objects.filter(
                status=PointLot.Status.PENDING, available_at__lte=now, member_id__gt=last_id
            )
            .order_by("member_id")
            .values_list("member_id", flat=True)
            .distinct()[:batch_size]
        )
        if not member_ids:
            break
        batch_members, batch_points = release_batch(member_ids, now=now, one_member=_release_member)
        members += batch_members
        released_points += batch_points
        last_id = member_ids[-1]
    return {"members": members, "points": released_points}


@retry_on_conflict
@transaction.atomic
def _release_member(member_id: int, now: datetime) -> int:
    member = lock_member(member_id)
    lots = list(
        PointLot.objects.select_for_update()
        .filter(member=member, status=PointLot.Status.PENDING, available_at__lte=now)
        .order_by("pk")
    )
    if not lots:
        return 0
    points = sum(lot.remaining for lot in lots)
    PointLot.objects.filter(pk__in=[lot.pk for lot in lots]).update(
        status=PointLot.Status.AVAILABLE
    )
    if points == 0:  # fully refunded while pending: nothing to move
        return 0
    moves = [Move(lot.pk, lot.remaining, lot.available_at) for lot in lots]
    posting = Posting(
        member=member,
        kind=LedgerEntry.Kind.RELEASE,
        idempotency_key=entry_key(LedgerEntry.Kind.RELEASE, member.pk, lots_digest(moves)),
        effective_at=max(lot.available_at for lot in lots),
    )
    for lot in lots:
        lot.status = PointLot.Status.AVAILABLE
    posting.new_lots = [lot for lot in lots if lot.remaining > 0]  # candidates to settle a debt
    posting.settle_debt()
    posting.new_lots = []
    entry = posting.post(
        extra_points=points,
        extra_pending=-points,
        description=f"{points} pending points are now spendable",
    )
    signals.points_released.send(sender=LedgerEntry, entry=entry)
    return points
