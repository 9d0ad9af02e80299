"""Expiry reminders: which members' points expire within a reminder window, and their emails."""

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import (
    Max,
    Q,
    Sum,
)
from django.db.models.functions import TruncDate
from django.utils import timezone

from members.models import Member

from ..ledger.bulk import CHUNK as ID_CHUNK
from ..messaging import render_member_email
from ..models import (
    ExpiryReminder,
    LedgerEntry,
    Program,
    parse_reminder_days,
)
from .policy import ACTIVITY_KINDS, aware, expires_at, inactivity_cutoff, open_lots

log = logging.getLogger(__name__)


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
            lapse = expires_at(program, last_activity=lapsing[row["member_id"]])
            points[(row["member_id"], timezone.localdate(lapse))] += row["points"]
    return points


def due_reminders(*, now: datetime | None = None) -> list[Reminder]:
    """Reminders that should go out now and have not gone out yet.

    Each (member, expiry day) gets the smallest window it is in: a first run 5 days
    before expiry sends the 7-day reminder only, not the 30-day one as well.
    """
    now = aware(now)
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
    now = aware(now)
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
