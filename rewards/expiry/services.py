"""Point expiry: the set-based expiry job, its dry run, and applying a policy change to open lots.

The job works on batches of members. Each batch is one transaction that locks its
members (in primary-key order, like every ledger write) and then reads their due lots,
so a redemption of the same member either ran before (and spent the points, which are
then no longer there to expire) or runs after (and finds them expired). A batch costs
a handful of statements whatever its size: one ``expire`` entry per member and expiry
day, dated at that day whenever the job runs (bulk insert), one movement per lot (bulk
insert), one UPDATE of the lots, one UPDATE of the cached balances. Committed batches are
never redone: a repeated, concurrent or redelivered run re-reads the lots under the lock
and finds nothing left to expire.
"""

import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.db.models import (
    Count,
    Max,
    Sum,
)
from django.utils import timezone

from loyalty.db import retry_on_conflict
from members.models import Member

from ..ledger.bulk import Move, post_entries, zero_lots
from ..ledger.postings import SPEND_ORDER
from ..models import (
    ExpiryPolicyChange,
    LedgerEntry,
    PointLot,
    Program,
)
from .policy import (
    ACTIVITY_KINDS,
    aware,
    due_filter,
    expires_at,
    inactivity_cutoff,
    lot_expiry,
    open_lots,
)


@dataclass
class ExpiryResult:
    members: int = 0
    points: int = 0
    lots: int = 0
    batches: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def expiry_preview(*, as_of: datetime | None = None) -> dict:
    """What a run at ``as_of`` would expire (the dry run): one aggregate query, no writes."""
    as_of = aware(as_of)
    program = Program.get()
    totals = (
        open_lots()
        .filter(due_filter(program, as_of))
        .aggregate(
            points=Sum("remaining"), members=Count("member_id", distinct=True), lots=Count("pk")
        )
    )
    return {
        "members": totals["members"] or 0,
        "points": totals["points"] or 0,
        "lots": totals["lots"] or 0,
    }


def expire_points(
    *,
    as_of: datetime | None = None,
    batch_size: int | None = None,
    pause: float | None = None,
) -> dict:
    """Expire every point whose time has come at ``as_of`` (default: now), FIFO by lot.

    One ``expire`` entry per member and expiry day, dated when the points stopped being
    spendable (a late run still books July's expiry in July), linked by its movements
    to the lots it emptied. ``pause`` (seconds between batches) exists for the killed-worker test.
    """
    as_of = aware(as_of)
    batch_size = batch_size or settings.EXPIRY_BATCH_SIZE
    pause = settings.EXPIRY_BATCH_PAUSE_SECONDS if pause is None else pause
    program = Program.get()
    due = due_filter(program, as_of)
    result = ExpiryResult()
    last_id = 0
    while True:
        member_ids = list(
            open_lots()
            .filter(due, member_id__gt=last_id)
            .order_by("member_id")
            .values_list("member_id", flat=True)
            .distinct()[:batch_size]
        )
        if not member_ids:
            break
        members, points, lots = _expire_batch(member_ids, as_of=as_of, program=program)
        result.members += members
        result.points += points
        result.lots += lots
        result.batches += 1
        last_id = member_ids[-1]
        if pause:
            time.sleep(pause)
    return result.as_dict()


@retry_on_conflict
@transaction.atomic
def _expire_batch(member_ids: list[int], *, as_of: datetime, program: Program):
    locked = list(Member.objects.locked(member_ids).values_list("pk", flat=True))
    # Read under the member locks: what a concurrent redemption spent is gone by now.
    lots = list(
        open_lots()
        .filter(due_filter(program, as_of), member_id__in=locked)
        .order_by("member_id", *SPEND_ORDER)
        .values_list("pk", "member_id", "remaining", "expires_at")
    )
    if not lots:
        return 0, 0, 0
    cutoff = inactivity_cutoff(program, as_of)
    last_activity = {}
    if cutoff is not None:
        last_activity = dict(
            LedgerEntry.objects.filter(member_id__in=locked, kind__in=ACTIVITY_KINDS)
            .values("member_id")
            .annotate(last=Max("effective_at"))
            .values_list("member_id", "last")
        )

    # When the points stopped being spendable: the lot's own date, or the end of the
    # member's inactivity period, whichever came first.
    by_day: dict[tuple[int, date], list[Move]] = defaultdict(list)
    for pk, member_id, remaining, own_date in lots:
        moments = [own_date] if own_date is not None and own_date <= as_of else []
        if cutoff is not None:
            last = last_activity.get(member_id)
            if last is None or last <= cutoff:
                moments.append(expires_at(program, last_activity=last) if last else as_of)
        moment = min([*moments, as_of])
        by_day[(member_id, timezone.localdate(moment))].append(Move(pk, remaining, moment))
    # One ``expire`` entry per member and expiry day, dated when the points stopped being
    # spendable (whenever the job runs), so that each lands in its own period.
    entries = post_entries(
        LedgerEntry.Kind.EXPIRE,
        by_day,
        sign=-1,
        movements=True,
        describe=lambda total: f"{total} points expired",
        reference=f"expiry run as of {as_of.isoformat()}",
        scope=(as_of.isoformat(),),
    )
    zero_lots([pk for pk, *_ in lots])
    totals: dict[int, int] = defaultdict(int)
    for entry in entries:
        totals[entry.member_id] -= entry.points
    return len(totals), sum(totals.values()), len(lots)


@transaction.atomic
def apply_expiry_policy_to_open_lots(*, user=None, batch_size: int = 2000) -> ExpiryPolicyChange:
    """Recompute the expiry date of every open lot under the program's current policy.

    Changing the policy in the program applies to future lots only; this is the
    deliberate, recorded step that applies it to the points members already hold.
    It changes no points: lots that become due are expired by the next expiry run.
    """
    program = Program.get()
    lots = PointLot.objects.filter(is_debt=False, remaining__gt=0)
    updated = 0
    if lot_expiry(program, timezone.now()) is not None:  # the fixed policy dates each lot
        last_id = 0
        while True:
            chunk = list(
                lots.filter(pk__gt=last_id)
                .order_by("pk")
                .values_list("pk", "earned_at")[:batch_size]
            )
            if not chunk:
                break
            PointLot.objects.bulk_update(
                [
                    PointLot(pk=pk, expires_at=lot_expiry(program, earned_at))
                    for pk, earned_at in chunk
                ],
                ["expires_at"],
            )
            updated += len(chunk)
            last_id = chunk[-1][0]
    else:
        updated = lots.update(expires_at=None)
    return ExpiryPolicyChange.objects.create(
        policy=program.expiry_policy,
        months=program.expiry_months,
        lots_updated=updated,
        applied_by=user if user is not None and user.pk else None,
    )
