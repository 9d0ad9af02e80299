"""What a member (or a visitor before sign-up) can earn and spend: the reads behind the
portal's *Ways to earn* page. Reads only; every figure comes from the live settings.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Prefetch, Q
from django.utils import timezone

from members.models import Tier

from .models import ActionRule, EarnRule, Program, Reward


@dataclass(frozen=True)
class BaseRate:
    """``points`` points for every ``per_amount`` spent in ``currency``."""

    points: int
    per_amount: Decimal
    currency: str


@dataclass(frozen=True)
class EarnRuleLine:
    """A promotion as a member reads it: x2 or +50, and the conditions that must all hold."""

    name: str
    multiplier: Decimal | None  # a multiplier rule
    bonus_points: int | None  # a bonus rule
    starts_at: datetime | None  # set only while in the future
    ends_at: datetime | None
    weekdays: tuple[int, ...]  # ISO (1 Monday ... 7 Sunday); empty: every day
    channel: str
    min_order_amount: Decimal | None
    category: str
    sku: str
    tiers: tuple[str, ...] = ()  # only for members of these tiers (empty: everyone)


@dataclass(frozen=True)
class ActionLine:
    """Points for an action, and how often a member earns them."""

    name: str
    kind: str
    points: int
    limit: str  # ActionRule.Limit: once, day, week, month, year, unlimited
    limit_count: int


@dataclass(frozen=True)
class TierLine:
    name: str
    rank: int
    earn_multiplier: Decimal
    measure: str
    threshold: Decimal
    is_paid: bool
    benefits: tuple[str, ...]


@dataclass(frozen=True)
class EarningGuide:
    base: BaseRate
    rules: tuple[EarnRuleLine, ...]
    actions: tuple[ActionLine, ...]
    tiers: tuple[TierLine, ...]


@dataclass(frozen=True)
class RewardProgress:
    """A reward and how far the member is from it (``missing`` 0: they can have it now)."""

    reward_id: int
    name: str
    description: str
    points_cost: int
    missing: int
    percent: int  # 0 to 100
    reserved_to: tuple[str, ...] = ()  # tiers it is reserved to (empty: every member)
    locked: bool = False  # reserved to tiers the member is not in


def _running(now: datetime) -> Q:
    """Active, and not over yet (a rule announced for later is shown with its start)."""
    return Q(active=True) & (Q(ends_at__isnull=True) | Q(ends_at__gt=now))


def earning_guide(*, now: datetime | None = None) -> EarningGuide:
    """The base rate, the running earn rules and actions, and the tiers' multipliers."""
    now = now or timezone.now()
    program = Program.get()
    rules = tuple(
        EarnRuleLine(
            name=rule.name,
            multiplier=rule.multiplier if rule.kind == EarnRule.Kind.MULTIPLIER else None,
            bonus_points=rule.bonus_points if rule.kind == EarnRule.Kind.BONUS else None,
            starts_at=rule.starts_at if rule.starts_at and rule.starts_at > now else None,
            ends_at=rule.ends_at,
            weekdays=tuple(sorted(rule.weekday_set())),
            channel=rule.channel.name if rule.channel else "",
            min_order_amount=rule.min_order_amount,
            category=rule.category,
            sku=rule.sku,
            tiers=tuple(tier.name for tier in rule.tiers.all()),
        )
        for rule in EarnRule.objects.filter(_running(now))
        .select_related("channel")
        .prefetch_related(Prefetch("tiers", queryset=Tier.objects.order_by("rank")))
    )
    actions = tuple(
        ActionLine(
            name=rule.name,
            kind=rule.kind,
            points=rule.points,
            limit=rule.limit,
            limit_count=rule.limit_count,
        )
        for rule in ActionRule.objects.filter(_running(now))
        .filter(Q(starts_at__isnull=True) | Q(starts_at__lte=now))
        .order_by("-points", "name")
    )
    tiers = tuple(
        TierLine(
            name=tier.name,
            rank=tier.rank,
            earn_multiplier=tier.earn_multiplier,
            measure=tier.measure,
            threshold=tier.threshold,
            is_paid=tier.is_paid,
            benefits=tuple(tier.benefit_list()),
        )
        for tier in Tier.objects.order_by("rank")
    )
    base = BaseRate(program.earn_points, program.earn_per_amount, program.currency)
    return EarningGuide(base=base, rules=rules, actions=actions, tiers=tiers)


def available_rewards(*, now: datetime | None = None):
    """The rewards a member can redeem today: active, within their dates, in stock."""
    now = now or timezone.now()
    return (
        Reward.objects.filter(active=True)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=now))
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=now))
        .exclude(stock=0)
        .order_by("points_cost", "name")
    )


def rewards_progress(
    *, spendable: int, tier_id: int | None = None, now: datetime | None = None
) -> list[RewardProgress]:
    """Every available reward with the points still missing for it (for a progress bar),
    locked when it is reserved to tiers the member (of ``tier_id``) is not in."""
    points = max(spendable, 0)
    rewards = available_rewards(now=now).prefetch_related(
        Prefetch("tiers", queryset=Tier.objects.order_by("rank"))
    )
    found = []
    for reward in rewards:
        tiers = list(reward.tiers.all())
        found.append(
            RewardProgress(
                reward_id=reward.pk,
                name=reward.name,
                description=reward.description,
                points_cost=reward.points_cost,
                missing=max(reward.points_cost - points, 0),
                percent=min(100, points * 100 // reward.points_cost) if reward.points_cost else 100,
                reserved_to=tuple(tier.name for tier in tiers),
                locked=bool(tiers) and tier_id not in {tier.pk for tier in tiers},
            )
        )
    return found
