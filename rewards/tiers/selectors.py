"""A member's tier progress: the tier, its benefits, and the way to the next tier (the portal's).

A read: it measures the member over the windows of the next tier and writes nothing.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from members.models import Member, Tier

from .evaluation import rank_of
from .measures import Measures, period_end


def _keeps_until(member: Member, measures: Measures) -> datetime | None:
    """Until when the member keeps the current tier without qualifying again (None: unknown)."""
    current = member.tier
    if current is None or member.tier_pinned:
        return None
    if current.is_paid:
        return member.tier_paid_until
    if member.tier_grace_until:
        return member.tier_grace_until
    if current.period == Tier.Period.ROLLING_12_MONTHS or current.threshold <= 0:
        return None
    end = period_end(current.period, measures.as_of)
    this_year = measures.value(member.pk, current, current_only=True) >= current.threshold
    return end.replace(year=end.year + 1) if this_year else end


@dataclass(frozen=True)
class TierProgress:
    """A member's tier and the way to the next one: what the portal shows.

    ``measure`` is the next tier's measure code (``points``, ``spend``, ``orders``) and
    ``value``/``threshold``/``missing`` its figures in the current period; all four are
    None at the top tier (``next_tier`` None).
    """

    tier: Tier | None
    benefits: list[str]
    earn_multiplier: Decimal
    pinned: bool
    paid_until: datetime | None
    grace_until: datetime | None
    keeps_until: datetime | None  # when the tier ends unless the member qualifies again
    next_tier: Tier | None
    measure: str | None = None
    measure_label: str = ""
    value: Decimal | None = None
    threshold: Decimal | None = None
    missing: Decimal | None = None
    by: datetime | None = None  # the end of the period (exclusive); None: a rolling window
    period_label: str = ""

    @property
    def tier_name(self) -> str:
        return self.tier.name if self.tier else ""

    @property
    def percent(self) -> int:
        """How far to the next tier, 0 to 100 (100 at the top)."""
        if self.next_tier is None or not self.threshold:
            return 100
        return max(0, min(100, int(100 * (self.value or 0) / self.threshold)))


def tier_progress(member: Member, *, as_of: datetime | None = None) -> TierProgress:
    """What the member has, what the next tier needs and by when, for the portal."""
    as_of = as_of or timezone.now()
    tiers = list(Tier.objects.all())
    current = member.tier
    measures = Measures([member.pk], tiers, as_of, open_end=True)
    higher = [t for t in tiers if not t.is_paid and t.rank > rank_of(current)]
    next_tier = min(higher, key=lambda t: t.rank, default=None)
    base = {
        "tier": current,
        "benefits": current.benefit_list() if current else [],
        "earn_multiplier": current.earn_multiplier if current else Decimal(1),
        "pinned": member.tier_pinned,
        "paid_until": member.tier_paid_until,
        "grace_until": member.tier_grace_until,
        "keeps_until": _keeps_until(member, measures),
        "next_tier": next_tier,
    }
    if next_tier is None:
        return TierProgress(**base)
    value = measures.value(member.pk, next_tier, current_only=True)
    return TierProgress(
        **base,
        measure=next_tier.measure,
        measure_label=next_tier.get_measure_display(),
        value=value,
        threshold=next_tier.threshold,
        missing=max(Decimal(0), next_tier.threshold - value),
        by=period_end(next_tier.period, as_of),
        period_label=next_tier.get_period_display(),
    )
