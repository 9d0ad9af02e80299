"""The campaign report: targeted members against the held-out control group.

Over the campaign's window and a period after it: members who bought, purchases and
spend per member, the incremental spend (targeted mean - held-out mean, times the
targeted members) with a 95% confidence interval (Welch's standard error, normal
approximation), the points the campaign awarded, and what each unit of incremental
revenue cost. Everything is ``Decimal``; reads only.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Sum

from rewards.models import Program, Purchase

from .models import Campaign, CampaignMember
from .segment_query import LIVE, NET

Z95 = Decimal("1.96")
CENT = Decimal("0.01")
RATE = Decimal("0.0001")


def _q(value: Decimal, step: Decimal = CENT) -> Decimal:
    return value.quantize(step, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Group:
    members: int
    buyers: int
    purchases: int
    spend: Decimal
    mean: Decimal  # spend per member, unrounded (for the interval)
    variance: Decimal  # sample variance of the spend per member

    @property
    def buyer_rate(self) -> Decimal:
        return _q(Decimal(self.buyers) / self.members, RATE) if self.members else Decimal(0)

    @property
    def purchases_per_member(self) -> Decimal:
        return _q(Decimal(self.purchases) / self.members, RATE) if self.members else Decimal(0)

    @property
    def spend_per_member(self) -> Decimal:
        return _q(self.mean)


@dataclass(frozen=True)
class Period:
    label: str
    start: datetime
    end: datetime
    targeted: Group
    held_out: Group
    lift_per_member: Decimal | None  # targeted - held-out spend per member
    incremental_spend: Decimal | None
    ci_low: Decimal | None  # of the incremental spend, 95%
    ci_high: Decimal | None


@dataclass(frozen=True)
class CampaignReport:
    campaign: Campaign
    during: Period
    after: Period
    points_cost: int
    cost: Decimal  # the points' value in money
    cost_per_incremental_revenue: Decimal | None  # None: no incremental revenue

    @property
    def periods(self) -> tuple[Period, Period]:
        return self.during, self.after


def _group(spends: list[Decimal], counts: list[int], members: int) -> Group:
    """Figures of a group; members without a purchase count as spending 0."""
    total = sum(spends, Decimal(0))
    mean = total / members if members else Decimal(0)
    zeros = members - len(spends)
    squares = sum(((s - mean) ** 2 for s in spends), Decimal(0)) + zeros * mean**2
    variance = squares / (members - 1) if members > 1 else Decimal(0)
    return Group(members, len(spends), sum(counts), _q(total), mean, variance)


def _period(campaign: Campaign, label: str, start: datetime, end: datetime, sizes) -> Period:
    audience = CampaignMember.objects.filter(campaign=campaign)
    held = set(audience.filter(held_out=True).values_list("member_id", flat=True))
    rows = (
        Purchase.objects.filter(
            LIVE,
            member__in=audience.values("member_id"),
            purchased_at__gte=start,
            purchased_at__lt=end,
        )
        .order_by()
        .values_list("member_id")
        .annotate(n=Count("pk"), spend=Sum(NET))
    )
    split: dict[bool, tuple[list, list]] = {True: ([], []), False: ([], [])}
    for member_id, n, spend in rows:
        spends, counts = split[member_id in held]
        spends.append(Decimal(spend))
        counts.append(n)
    targeted = _group(*split[False], sizes[False])
    control = _group(*split[True], sizes[True])
    if not targeted.members or not control.members:
        return Period(label, start, end, targeted, control, None, None, None, None)
    lift = targeted.mean - control.mean
    se = (targeted.variance / targeted.members + control.variance / control.members).sqrt()
    n = targeted.members
    return Period(
        label, start, end, targeted, control, _q(lift), _q(lift * n),
        _q((lift - Z95 * se) * n), _q((lift + Z95 * se) * n),
    )  # fmt: skip


def points_awarded(campaign: Campaign) -> int:
    """The points the campaign's earn rule gave, read from the purchases' breakdowns."""
    if campaign.earn_rule_id is None:
        return 0
    breakdowns = Purchase.objects.filter(
        member__in=CampaignMember.objects.filter(campaign=campaign, held_out=False).values(
            "member_id"
        ),
        purchased_at__gte=campaign.starts_at,
        purchased_at__lt=campaign.ends_at,
    ).values_list("earn_breakdown", flat=True)
    return sum(
        part["points"]
        for breakdown in breakdowns.iterator(chunk_size=2000)
        for part in breakdown or []
        if part.get("rule_id") == campaign.earn_rule_id
    )


def campaign_report(campaign: Campaign, *, after_days: int = 30) -> CampaignReport:
    counts = dict(
        CampaignMember.objects.filter(campaign=campaign)
        .order_by()
        .values_list("held_out")
        .annotate(n=Count("pk"))
    )
    sizes = {True: counts.get(True, 0), False: counts.get(False, 0)}
    end = campaign.ended_at if campaign.ended_at and campaign.ended_at < campaign.ends_at else None
    end = end or campaign.ends_at
    during = _period(campaign, "during the campaign", campaign.starts_at, end, sizes)
    after = _period(campaign, f"{after_days} days after", end, end + timedelta(after_days), sizes)
    points = points_awarded(campaign)
    program = Program.objects.order_by("pk").first()  # a read: never creates the program
    cost = _q(Decimal(points) * (program.point_value if program else Decimal(0)))
    incremental = during.incremental_spend
    per_unit = _q(cost / incremental, RATE) if incremental and incremental > 0 else None
    return CampaignReport(campaign, during, after, points, cost, per_unit)
