"""Point expiry: the set-based expiry job, its dry run, expiry reminders and policy changes.

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

import hashlib
import logging
import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import (
    Count,
    Exists,
    Max,
    OuterRef,
    Q,
    Sum,
)
from django.db.models.functions import TruncDate
from django.utils import timezone

from loyalty.db import retry_on_conflict
from members.models import Member

from .bulk import insert_movements, shift_balances, zero_lots
from .ledger import SPEND_ORDER, add_months
from .messaging import render_member_email
from .models import (
    ExpiryPolicyChange,
    ExpiryReminder,
    LedgerEntry,
    PointLot,
    Program,
    parse_reminder_days,
)

log = logging.getLogger(__name__)

# What resets the inactivity clock: the member earned (a purchase, a referral or action
# bonus, a staff credit) or redeemed. An expiry or a release is not activity.
ACTIVITY_KINDS = (
    LedgerEntry.Kind.EARN,
    LedgerEntry.Kind.REDEEM,
    LedgerEntry.Kind.REFERRAL,
    LedgerEntry.Kind.ACTION,
    LedgerEntry.Kind.ADJUST,
)
ID_CHUNK = 5000  # ids per IN (...) list: well under SQLite's variable limit


@dataclass
class ExpiryResult:
    members: int = 0
    points: int = 0
    lots: int = 0
    batches: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def open_lots():
    """Lots that still hold spendable points (debt lots never expire; pending lots wait)."""
    return PointLot.objects.filter(status=PointLot.Status.AVAILABLE, is_debt=False, remaining__gt=0)


def inactivity_cutoff(program: Program, as_of: datetime) -> datetime | None:
    """Under the inactivity policy: a member whose last activity is not after this is inactive."""
    if program.expiry_policy != Program.Expiry.INACTIVITY or not program.expiry_months:
        return None
    return add_months(as_of, -program.expiry_months)


def due_filter(program: Program, as_of: datetime) -> Q:
    """Which open lots are due at ``as_of``.

    A lot with its own expiry date is due once the date has passed, whatever the policy
    is now (a policy change applies to future lots unless staff apply it to open ones).
    Under the inactivity policy, every open lot of an inactive member is due as well.
    """
    due = Q(expires_at__lte=as_of)
    cutoff = inactivity_cutoff(program, as_of)
    if cutoff is not None:
        recent = LedgerEntry.objects.filter(
            member_id=OuterRef("member_id"), kind__in=ACTIVITY_KINDS, effective_at__gt=cutoff
        )
        due |= ~Exists(recent)
    return due


def _aware(as_of: datetime | None) -> datetime:
    as_of = as_of or timezone.now()
    if timezone.is_naive(as_of):
        raise ValueError("as_of must carry a time zone")
    return as_of


def expiry_preview(*, as_of: datetime | None = None) -> dict:
    """What a run at ``as_of`` would expire (the dry run): one aggregate query, no writes."""
    as_of = _aware(as_of)
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
    as_of = _aware(as_of)
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
    locked = list(
        Member.objects.select_for_update()
        .filter(pk__in=member_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
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
    by_day: dict[tuple[int, date], list[tuple[int, int, datetime]]] = defaultdict(list)
    for pk, member_id, remaining, expires_at in lots:
        moments = [expires_at] if expires_at is not None and expires_at <= as_of else []
        if cutoff is not None:
            last = last_activity.get(member_id)
            if last is None or last <= cutoff:
                moments.append(add_months(last, program.expiry_months) if last else as_of)
        moment = min([*moments, as_of])
        by_day[(member_id, timezone.localdate(moment))].append((pk, remaining, moment))
    entries = _expiry_entries(by_day, as_of=as_of)
    LedgerEntry.objects.bulk_create(entries)
    insert_movements(
        [
            (entry.pk, pk, -remaining)
            for entry, day_lots in zip(entries, by_day.values(), strict=True)
            for pk, remaining, _ in day_lots
        ]
    )
    zero_lots([pk for pk, *_ in lots])
    totals: dict[int, int] = defaultdict(int)
    for entry in entries:
        totals[entry.member_id] -= entry.points
    shift_balances({member_id: (-points, 0) for member_id, points in totals.items()})
    return len(totals), sum(totals.values()), len(lots)


def _expiry_entries(by_day: dict, *, as_of: datetime) -> list[LedgerEntry]:
    """One ``expire`` entry per member and expiry day, dated when the points stopped
    being spendable (whenever the job runs), so that each lands in its own period."""
    now = timezone.now()
    entries = []
    for (member_id, day), day_lots in by_day.items():
        total = sum(remaining for _, remaining, _ in day_lots)
        lots = ",".join(f"{pk}:{remaining}" for pk, remaining, _ in day_lots)
        digest = hashlib.sha1(lots.encode()).hexdigest()[:16]  # noqa: S324 (a key, not security)
        entries.append(
            LedgerEntry(
                member_id=member_id,
                kind=LedgerEntry.Kind.EXPIRE,
                points=-total,
                description=f"{total} points expired",
                reference=f"expiry run as of {as_of.isoformat()}",
                created_at=now,
                effective_at=max(moment for _, _, moment in day_lots),
                # The same run and lots can never apply twice, even if the lock were bypassed.
                idempotency_key=f"expire:{member_id}:{day}:{as_of.isoformat()}:{digest}",
            )
        )
    return entries


# ---------------------------------------------------------------- reminders


@dataclass
class Reminder:
    member_id: int
    expires_on: date
    points: int
    window_days: int


def upcoming_expiries(*, now: datetime, horizon_days: int) -> dict[tuple[int, date], int]:
    """Spendable points of active members that expire within ``horizon_days``, by member and day.

    Lots with their own date, plus, under the inactivity policy, the whole open balance
    of members whose inactivity period ends within the horizon.
    """
    program = Program.get()
    horizon = now + timedelta(days=horizon_days)
    active = open_lots().filter(member__status=Member.Status.ACTIVE)
    points: dict[tuple[int, date], int] = defaultdict(int)
    rows = (
        active.filter(expires_at__gt=now, expires_at__lte=horizon)
        .annotate(day=TruncDate("expires_at"))
        .values("member_id", "day")
        .annotate(points=Sum("remaining"))
        .order_by()
    )
    for row in rows:
        points[(row["member_id"], row["day"])] += row["points"]

    start, end = inactivity_cutoff(program, now), inactivity_cutoff(program, horizon)
    if start is not None:
        lapsing = dict(
            LedgerEntry.objects.filter(kind__in=ACTIVITY_KINDS)
            .values("member_id")
            .annotate(last=Max("effective_at"))
            .filter(last__gt=start, last__lte=end)
            .values_list("member_id", "last")
        )
        balances = (
            active.filter(member_id__in=list(lapsing))
            .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=horizon))
            .values("member_id")
            .annotate(points=Sum("remaining"))
            .order_by()
        )
        for row in balances:
            lapse = add_months(lapsing[row["member_id"]], program.expiry_months)
            points[(row["member_id"], timezone.localdate(lapse))] += row["points"]
    return points


def due_reminders(*, now: datetime | None = None) -> list[Reminder]:
    """Reminders that should go out now and have not gone out yet.

    Each (member, expiry day) gets the smallest window it is in: a first run 5 days
    before expiry sends the 7-day reminder only, not the 30-day one as well.
    """
    now = _aware(now)
    windows = parse_reminder_days(Program.get().expiry_reminder_days)
    if not windows:
        return []
    today = timezone.localdate(now)
    wanted = []
    for (member_id, day), points in sorted(
        upcoming_expiries(now=now, horizon_days=windows[0]).items()
    ):
        days_left = (day - today).days
        fitting = [w for w in windows if days_left <= w]
        if fitting and points > 0:
            wanted.append(Reminder(member_id, day, points, min(fitting)))
    sent = set()
    for start in range(0, len(wanted), ID_CHUNK):
        chunk = wanted[start : start + ID_CHUNK]
        sent |= set(
            ExpiryReminder.objects.filter(
                member_id__in={r.member_id for r in chunk},
                expires_on__in={r.expires_on for r in chunk},
            ).values_list("member_id", "expires_on", "window_days")
        )
    return [r for r in wanted if (r.member_id, r.expires_on, r.window_days) not in sent]


def reminder_message(
    member: Member, reminders: list[Reminder], program: Program
) -> EmailMultiAlternatives:
    """The reminder, in the member's language, from the program (``rewards.messaging``)."""
    ordered = sorted(reminders, key=lambda r: r.expires_on)
    context = {
        "reminders": ordered,
        "total": sum(r.points for r in reminders),
        "first_day": ordered[0].expires_on,
    }
    return render_member_email(member=member, template="expiry_reminder", context=context)


def send_expiry_reminders(*, now: datetime | None = None) -> dict:
    """Email each member whose points expire within a reminder window, once per window.

    The reminder rows are written in the same transaction as the email is sent: a
    failed send rolls them back (the next run tries again), and a concurrent run that
    wrote them first makes this one skip the member (the unique key refuses the rows).
    """
    now = _aware(now)
    program = Program.get()
    by_member: dict[int, list[Reminder]] = defaultdict(list)
    for reminder in due_reminders(now=now):
        by_member[reminder.member_id].append(reminder)
    emails = members = failed = 0
    connection = get_connection()
    ids = sorted(by_member)
    for start in range(0, len(ids), ID_CHUNK):
        chunk = Member.objects.in_bulk(ids[start : start + ID_CHUNK])
        for member_id, member in chunk.items():
            reminders = by_member[member_id]
            try:
                with transaction.atomic():
                    ExpiryReminder.objects.bulk_create(
                        ExpiryReminder(
                            member_id=member_id,
                            expires_on=r.expires_on,
                            window_days=r.window_days,
                            points=r.points,
                            sent_at=now,
                        )
                        for r in reminders
                    )
                    connection.send_messages([reminder_message(member, reminders, program)])
            except IntegrityError:
                continue  # a concurrent run has just reminded this member
            except Exception:  # the mail server: keep going, the next run tries again
                log.exception("expiry reminder to member %s failed", member_id)
                failed += 1
                continue
            members += 1
            emails += 1
    return {"emails": emails, "members": members, "failed": failed}


# ---------------------------------------------------------------- policy changes


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
    if program.expiry_policy == Program.Expiry.FIXED and program.expiry_months:
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
                    PointLot(pk=pk, expires_at=add_months(earned_at, program.expiry_months))
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
