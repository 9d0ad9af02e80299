"""Reads for the back office's dashboard: the same report functions, cut to a few figures.

Each function answers one card and is called only when the user may see it. Members,
points and the liability come from ``reporting.reports`` (the KPIs, the roll-forward's
flows, the liability), tiers and referrals from their apps' selectors; only the top
rewards and the jobs' health are read here, from the models they concern.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Max, Q, Sum
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from members import selectors as member_selectors
from members.models import Member
from referrals import selectors as referral_selectors
from rewards.models import (
    ImportJob,
    LedgerEntry,
    PointLot,
    Redemption,
    WebhookDelivery,
    WebhookEndpoint,
)

from .models import LiabilitySnapshot
from .reports import Books, Period, issued_redeemed_expired, money, outstanding_points
from .reports.kpis import new_members, percent, point_flows

ACTIVE_DAYS = 90
TOP_REWARDS_DAYS = 30
WEBHOOK_DAYS = 7


def this_month(today: date) -> Period:
    return Period(today.replace(day=1), today)


def last_month(today: date) -> Period:
    end = today.replace(day=1) - timedelta(days=1)
    return Period(end.replace(day=1), end)


@dataclass(frozen=True)
class MemberFigures:
    total: int
    active: int  # earned or redeemed in the last ACTIVE_DAYS days
    new_this_month: int
    suspended: int


def member_figures(today: date, *, books: Books | None = None) -> MemberFigures:
    books = books or Books.load()
    counts = Member.objects.aggregate(
        total=Count("pk", filter=~Q(status=Member.Status.CLOSED)),
        suspended=Count("pk", filter=Q(status=Member.Status.SUSPENDED)),
    )
    recent = Period(today - timedelta(days=ACTIVE_DAYS - 1), today)
    return MemberFigures(
        total=counts["total"],
        active=point_flows(books, recent)["active"],
        new_this_month=new_members(books, this_month(today)),
        suspended=counts["suspended"],
    )


@dataclass(frozen=True)
class Flows:
    """Points of one month: issued and redeemed as the KPI report counts them (staff
    additions issued, cancellations netted), expired as the roll-forward's chart (forfeits
    on closing included)."""

    label: str
    issued: int
    redeemed: int
    expired: int

    @property
    def redemption_rate(self) -> Decimal | None:
        """Redeemed / issued, in percent (the KPI report's rate)."""
        return percent(self.redeemed, self.issued)


def point_months(today: date, *, books: Books | None = None) -> list[Flows]:
    """This month so far, then last month."""
    books = books or Books.load()
    out = []
    for label, period in (("This month", this_month(today)), ("Last month", last_month(today))):
        kpi = point_flows(books, period)
        (row,) = issued_redeemed_expired(period, "period", books=books)
        out.append(Flows(label, kpi["issued"], kpi["redeemed"], row["expired"]))
    return out


@dataclass(frozen=True)
class Outstanding:
    """The points outstanding now, and the liability of the latest nightly snapshot.

    The liability by cohort (IFRS 15) reads every sale and lot movement: the nightly job
    stores it (``LiabilitySnapshot``), and the dashboard shows that, dated, rather than
    recomputing it on every visit (the liability report computes it live for any day).
    """

    as_of: date
    points: int
    pending: int
    face_value: Decimal
    currency: str
    snapshot: LiabilitySnapshot | None

    @property
    def expected_rate(self) -> Decimal | None:
        """The expected redemption rate of the snapshot, in percent (100 - breakage)."""
        if self.snapshot is None:
            return None
        return (self.snapshot.redemption_rate * 100).quantize(Decimal("0.1"))


def outstanding(today: date, *, books: Books | None = None) -> Outstanding:
    """Outstanding points at the end of today (the liability report's sum) and the latest
    snapshot of the liability up to today."""
    books = books or Books.load()
    spendable, pending = outstanding_points(today, books=books)
    return Outstanding(
        as_of=today,
        points=spendable + pending,
        pending=pending,
        face_value=money((spendable + pending) * books.point_value(today)),
        currency=books.program().currency,
        snapshot=LiabilitySnapshot.objects.filter(as_of__lte=today).order_by("-as_of").first(),
    )


@dataclass(frozen=True)
class TopReward:
    reward_id: int | None
    name: str
    redemptions: int
    points: int


def top_rewards(now: datetime, *, limit: int = 5) -> list[TopReward]:
    """The rewards redeemed most in the last TOP_REWARDS_DAYS days (cancelled ones not counted)."""
    rows = (
        Redemption.objects.filter(created_at__gte=now - timedelta(days=TOP_REWARDS_DAYS))
        .exclude(status=Redemption.Status.CANCELLED)
        .values("reward_id", "reward__name")
        .annotate(n=Count("pk"), points=Sum("points"))
        .order_by("-n", "-points", "reward__name")[:limit]
    )
    return [
        TopReward(r["reward_id"], r["reward__name"] or "Points at checkout", r["n"], r["points"])
        for r in rows
    ]


def tier_distribution():
    return member_selectors.tier_distribution()


@dataclass(frozen=True)
class Funnel:
    shared: int
    signups: int
    qualified: int
    rewarded: int
    awaiting_approval: int


def referral_funnel() -> Funnel:
    totals = referral_selectors.funnel_totals()
    return Funnel(
        totals["shared"],
        totals["signups"],
        totals["qualified"],
        totals["rewarded"],
        totals["awaiting_approval"],
    )


@dataclass(frozen=True)
class Job:
    """A scheduled job as the dashboard shows it: when it last ran, and whether that is late."""

    name: str
    task: str
    last_run_at: datetime | None
    enabled: bool
    periodic_task_id: int | None
    late: bool


# task -> (what it is called on the dashboard, how long between runs before it is late)
WATCHED_JOBS = {
    "rewards.tasks.expire_points": ("Expiry of points", timedelta(days=2)),
    "rewards.tasks.release_pending_points": ("Release of pending points", timedelta(hours=3)),
    "reporting.tasks.recalc_liability": ("Liability snapshot", timedelta(days=2)),
}


def jobs(now: datetime) -> list[Job]:
    """The watched beat jobs: last run, enabled, late (never ran, or not within its interval)."""
    found = {
        t.task: t
        for t in PeriodicTask.objects.filter(task__in=WATCHED_JOBS).order_by("-last_run_at")
    }
    out = []
    for task, (name, interval) in WATCHED_JOBS.items():
        row = found.get(task)
        last = row.last_run_at if row else None
        out.append(
            Job(
                name=name,
                task=task,
                last_run_at=last,
                enabled=bool(row and row.enabled),
                periodic_task_id=row.pk if row else None,
                late=row is None or not row.enabled or last is None or now - last > interval,
            )
        )
    return out


@dataclass(frozen=True)
class Health:
    """What the jobs left behind: the ledger's last expiry, lots overdue, snapshots, imports."""

    last_expiry_at: datetime | None
    lots_overdue_for_release: int
    last_snapshot_as_of: date | None
    snapshot_late: bool
    imports_failed: int  # failed or rejected in the last 30 days
    imports_waiting: int  # checked, waiting for a confirmation
    last_import_at: datetime | None
    webhook_failures: int  # failed deliveries in the last WEBHOOK_DAYS days
    webhook_endpoints_paused: int


def health(now: datetime) -> Health:
    today = timezone.localdate(now)
    last_expiry = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.EXPIRE).aggregate(
        at=Max("created_at")
    )["at"]
    overdue = PointLot.objects.filter(
        status=PointLot.Status.PENDING, available_at__lt=now - timedelta(hours=1)
    ).count()
    snapshot = LiabilitySnapshot.objects.aggregate(as_of=Max("as_of"))["as_of"]
    imports = ImportJob.objects.aggregate(
        failed=Count(
            "pk",
            filter=Q(
                status__in=[ImportJob.Status.FAILED, ImportJob.Status.REJECTED],
                created_at__gte=now - timedelta(days=30),
            ),
        ),
        waiting=Count("pk", filter=Q(status=ImportJob.Status.PREVIEWED)),
        last=Max("created_at"),
    )
    failures = WebhookDelivery.objects.filter(
        succeeded=False, created_at__gte=now - timedelta(days=WEBHOOK_DAYS)
    ).count()
    return Health(
        last_expiry_at=last_expiry,
        lots_overdue_for_release=overdue,
        last_snapshot_as_of=snapshot,
        snapshot_late=snapshot is None or snapshot < today - timedelta(days=2),
        imports_failed=imports["failed"],
        imports_waiting=imports["waiting"],
        last_import_at=imports["last"],
        webhook_failures=failures,
        webhook_endpoints_paused=WebhookEndpoint.objects.filter(active=False).count(),
    )
