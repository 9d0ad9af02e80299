"""Batched release of pending points: a batch of members in one transaction, a few statements.

A member with a debt goes through the ledger's own path (``Posting.settle_debt``), as
the released points pay the debt first; everyone else's release is set-based.
"""

import hashlib
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime

from django.db import transaction

from loyalty.db import retry_on_conflict
from members.models import Member

from . import signals
from .bulk import release_lots, shift_balances
from .models import LedgerEntry, PointLot


@retry_on_conflict
@transaction.atomic
def release_batch(
    member_ids: list[int], *, now: datetime, one_member: Callable[[int, datetime], int]
) -> tuple[int, int]:
    """Release the due pending lots of these members; returns (members, points).

    The lots are read under the member locks, so a concurrent or repeated run finds
    them released already; the entry's key (member + lot ids) refuses a second entry.
    """
    balances = dict(
        Member.objects.select_for_update()
        .filter(pk__in=member_ids)
        .order_by("pk")
        .values_list("pk", "points_balance")
    )
    lots = (
        PointLot.objects.filter(
            member_id__in=list(balances), status=PointLot.Status.PENDING, available_at__lte=now
        )
        .order_by("member_id", "pk")
        .values_list("pk", "member_id", "remaining", "available_at")
    )
    by_member: dict[int, list[tuple[int, int, datetime]]] = defaultdict(list)
    for pk, member_id, remaining, available_at in lots:
        by_member[member_id].append((pk, remaining, available_at))

    released = 0
    simple = {}
    for member_id, member_lots in by_member.items():
        if balances[member_id] < 0:  # the released points settle the debt first
            released += one_member(member_id, now)
        else:
            simple[member_id] = member_lots
    release_lots([pk for member_lots in simple.values() for pk, _, _ in member_lots])
    entries = []
    for member_id, member_lots in simple.items():
        points = sum(remaining for _, remaining, _ in member_lots)
        if points == 0:  # fully refunded while pending: nothing to move
            continue
        ids = ",".join(str(pk) for pk, _, _ in member_lots)
        digest = hashlib.sha1(ids.encode()).hexdigest()[:16]  # noqa: S324 (a key, not security)
        entries.append(
            LedgerEntry(
                member_id=member_id,
                kind=LedgerEntry.Kind.RELEASE,
                points=points,
                pending_points=-points,
                effective_at=max(available_at for _, _, available_at in member_lots),
                idempotency_key=f"release:{member_id}:{digest}",
                description=f"{points} pending points are now spendable",
            )
        )
    LedgerEntry.objects.bulk_create(entries)
    shift_balances({entry.member_id: (entry.points, -entry.points) for entry in entries})
    if entries:  # released points now count for tiers: one upgrade check for the batch
        signals.points_released.send(
            sender=LedgerEntry, entry=None, member_ids=[entry.member_id for entry in entries]
        )
    released += sum(entry.points for entry in entries)
    return len(by_member), released
