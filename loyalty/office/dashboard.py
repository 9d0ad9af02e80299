"""The dashboard's cards: each read only when the user may see what it counts.

A card needs the view permission of the list it sums up (members, ledger, redemptions,
tiers, referrals, the accounting reports); the jobs' health shows each line to those who
may open the list it links to. A staff user without any permission gets no card and no
query. The figures come from ``reporting.dashboard``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from reporting import charts
from reporting import dashboard as figures
from reporting.reports import Books, start_of

PERMS = {
    "members": "members.view_member",
    "points": "rewards.view_ledgerentry",
    "liability": "reporting.view_report",
    "rewards": "rewards.view_redemption",
    "tiers": "members.view_tier",
    "referrals": "referrals.view_referral",
    "jobs": "django_celery_beat.view_periodictask",
    "lots": "rewards.view_pointlot",
    "snapshots": "reporting.view_liabilitysnapshot",
    "imports": "rewards.view_importjob",
    "webhooks": "rewards.view_webhookdelivery",
}


@dataclass
class Dashboard:
    today: date
    can: dict[str, bool]
    members: figures.MemberFigures | None = None
    months: list[figures.Flows] = field(default_factory=list)
    outstanding: figures.Outstanding | None = None
    top_rewards: list[figures.TopReward] | None = None
    tiers: list | None = None
    funnel: figures.Funnel | None = None
    jobs: list[figures.Job] | None = None
    health: figures.Health | None = None
    links: dict[str, str] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not any(self.can.values())

    @property
    def tier_total(self) -> int:
        return sum(row.members for row in self.tiers or [])

    @property
    def chart_data(self) -> dict:
        """What the dashboard's charts draw (``json_script``, read by ``static/js/charts.js``)."""
        data = {}
        if self.months:
            data["points"] = charts.spec(
                "bar",
                "Points this month and last",
                [m.label for m in self.months],
                {
                    "Issued": [m.issued for m in self.months],
                    "Redeemed": [m.redeemed for m in self.months],
                    "Expired or forfeited": [m.expired for m in self.months],
                },
                unit="points",
            )
        if self.tiers:
            data["tiers"] = charts.spec(
                "bar",
                "Members by tier",
                [row.tier for row in self.tiers],
                {"Members": [row.members for row in self.tiers]},
                unit="members",
            )
        return data


def _links(today: date) -> dict[str, str]:
    year = f"start={today.replace(month=1, day=1)}&end={today}"
    reports = reverse("admin:reporting_report_changelist")
    return {
        "members": reverse("admin:members_member_changelist"),
        "new_members": reverse("admin:members_member_changelist")
        + "?"
        + urlencode({"enrolled_at__gte": str(start_of(today.replace(day=1)))}),
        "ledger": reverse("admin:rewards_ledgerentry_changelist"),
        "rollforward": f"{reports}?report=rollforward&{year}&by=month",
        "kpis": f"{reports}?report=kpis&{year}&by=month",
        "liability": f"{reports}?report=liability&as_of={today}",
        "rewards": reverse("admin:rewards_reward_changelist"),
        "redemptions": reverse("admin:rewards_redemption_changelist"),
        "tiers": reverse("admin:members_tier_changelist"),
        "funnel": reverse("admin:referrals_funnel"),
        "awaiting": reverse("admin:referrals_referral_changelist")
        + "?status__exact=awaiting_approval",
        "jobs": reverse("admin:django_celery_beat_periodictask_changelist"),
        "pending_lots": reverse("admin:rewards_pointlot_changelist") + "?status__exact=pending",
        "snapshots": reverse("admin:reporting_liabilitysnapshot_changelist"),
        "failed_imports": reverse("admin:rewards_importjob_changelist") + "?status__exact=failed",
        "waiting_imports": reverse("admin:rewards_importjob_changelist")
        + "?status__exact=previewed",
        "webhook_failures": reverse("admin:rewards_webhookdelivery_changelist")
        + "?succeeded__exact=0",
    }


def build(user, *, now: datetime | None = None) -> Dashboard:
    """The cards ``user`` may see, with their figures as of ``now`` (default: now)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    can = {card: user.is_active and user.has_perm(perm) for card, perm in PERMS.items()}
    board = Dashboard(today=today, can=can, links=_links(today))
    if board.empty:
        return board
    books = Books.load()
    if can["members"]:
        board.members = figures.member_figures(today, books=books)
    if can["points"]:
        board.months = figures.point_months(today, books=books)
    if can["liability"]:
        board.outstanding = figures.outstanding(today, books=books)
    if can["rewards"]:
        board.top_rewards = figures.top_rewards(now)
    if can["tiers"]:
        board.tiers = figures.tier_distribution()
    if can["referrals"]:
        board.funnel = figures.referral_funnel()
    if can["jobs"]:
        board.jobs = figures.jobs(now)
    if any(can[c] for c in ("lots", "snapshots", "imports", "webhooks")):
        board.health = figures.health(now)
    return board
