"""What should happen to a member's tier now: a pure decision on the measures, writing nothing.

Rules:
- A member qualifies for a (non-paid) tier when its measure reaches the threshold, over
  the current period so far, or over the last closed period (calendar year): a tier
  reached in a year is kept through the next year.
- Upgrades happen as soon as the measure crosses a threshold (``upgrade_member``, called
  after the ledger entry is written, so the upgrading purchase earned at the old rate).
- Downgrades happen only at re-evaluation (``evaluate_tiers``) and only once the tier has
  been held through the end of a period (calendar: since before 1 January, reviewed once
  a year; rolling: for 12 months), with the tier's grace period if it has one.
- A pinned member is left alone; a paid tier lasts until its term ends.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from loyalty.dates import add_months
from members.models import Member, Tier, TierChange

from .measures import Measures, year_start


@dataclass
class Decision:
    to_tier: Tier | None = None
    reason: str = ""
    change: bool = False
    updates: dict = field(default_factory=dict)  # member fields to set without a tier change
    measure_value: Decimal | None = None


def rank_of(tier: Tier | None) -> int:
    """A tier's rank; -1 for no tier (below the base tier)."""
    return -1 if tier is None else tier.rank


def _may_drop(member: Member, tier: Tier, as_of: datetime) -> bool:
    """Is this a moment the member may drop: the tier held through a period's end, and the
    review of that period not done yet (or its grace period running)?

    Calendar tiers are reviewed once, at the first evaluation after 1 January: that
    decision stands for the year, even if a late refund lowers last year's measure.
    """
    if tier.period == Tier.Period.ROLLING_12_MONTHS:
        return member.tier_since is None or member.tier_since <= add_months(as_of, -12)
    start = year_start(as_of)
    if member.tier_since is not None and member.tier_since >= start:
        return False  # reached during this period: kept at least until it ends
    if member.tier_grace_until is not None:
        return True  # in grace: the end of the grace period decides
    return member.tier_reviewed_until is None or member.tier_reviewed_until < start


def decide(
    member: Member, tiers: list[Tier], measures: Measures, *, upgrades_only: bool = False
) -> Decision:
    """What should happen to ``member``'s tier now. Pure: writes nothing."""
    as_of = measures.as_of
    current = member.tier
    if member.tier_pinned:
        return Decision()
    best = measures.best(member.pk, tiers)
    value = measures.value(member.pk, best) if best else None
    if current is not None and current.is_paid:
        if member.tier_paid_until and as_of < member.tier_paid_until:
            if rank_of(best) > current.rank:
                return Decision(best, TierChange.Reason.UPGRADE, True, measure_value=value)
            return Decision()
        if upgrades_only:
            return Decision()
        return Decision(best, TierChange.Reason.PAID_ENDED, True, measure_value=value)
    if rank_of(best) > rank_of(current):
        return Decision(best, TierChange.Reason.UPGRADE, True, measure_value=value)
    if rank_of(best) == rank_of(current):
        if member.tier_grace_until is not None:  # qualified again during the grace period
            return Decision(updates={"tier_grace_until": None})
        return Decision()
    if upgrades_only or not _may_drop(member, current, as_of):
        return Decision()
    if current.grace_months:
        grace_until = member.tier_grace_until
        if grace_until is None:
            failed_at = (
                as_of if current.period == Tier.Period.ROLLING_12_MONTHS else year_start(as_of)
            )
            grace_until = add_months(failed_at, current.grace_months)
        if as_of < grace_until:
            if member.tier_grace_until is None:
                return Decision(updates={"tier_grace_until": grace_until})
            return Decision()
        return Decision(best, TierChange.Reason.GRACE_ENDED, True, measure_value=value)
    return Decision(best, TierChange.Reason.DOWNGRADE, True, measure_value=value)
