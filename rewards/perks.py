"""Tier perks that act: a welcome gift on reaching a tier (rewards reserved to tiers are
``reserved.py``).

``on_tier_changed`` (a receiver of ``members.signals.tier_changed``, in the tier change's
transaction) grants the tier's ``TierWelcome`` once per tier per calendar year, as ledger
entries with keys.
"""

from django.utils import timezone

from members.models import Member, Tier

from .adjustments.services import adjust_points
from .models import LedgerEntry, TierWelcome
from .redemptions.services import redeem_reward


def _rank(tier: Tier | None) -> int:
    return -1 if tier is None else tier.rank


def on_tier_changed(sender, member: Member, from_tier=None, to_tier=None, **kwargs):
    """On reaching a higher tier: its welcome points and reward, once a year."""
    if to_tier is None or _rank(to_tier) <= _rank(from_tier):
        return
    welcome = TierWelcome.objects.filter(tier=to_tier).select_related("reward").first()
    if welcome is None:
        return
    grant_welcome(member=member, welcome=welcome)


def grant_welcome(*, member: Member, welcome: TierWelcome) -> None:
    """Credit the points, then give the reward (its points credited and redeemed at once,
    so the ledger and the accounting see an ordinary redemption). Keyed on the member, the
    tier and the year: a second climb to the same tier in a year grants nothing."""
    year = timezone.localdate().year
    key = f"tier-welcome:{member.pk}:{welcome.tier_id}:{year}"
    label = f"Welcome to {welcome.tier.name}"
    if welcome.points:
        adjust_points(
            member_id=member.pk,
            points=welcome.points,
            reason=label,
            idempotency_key=key,
            kind=LedgerEntry.Kind.ACTION,
            description=label,
        )
    reward = welcome.reward
    if reward is not None and reward.active and reward.stock != 0:
        adjust_points(
            member_id=member.pk,
            points=reward.points_cost,
            reason=f"{label}: {reward.name}",
            idempotency_key=f"{key}:reward",
            kind=LedgerEntry.Kind.ACTION,
            description=f"{label}: {reward.name}",
        )
        redeem_reward(member_id=member.pk, reward_id=reward.pk, idempotency_key=f"{key}:redeem")
