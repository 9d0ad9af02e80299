"""Rewards reserved to tiers (``Reward.tiers``): who may redeem them, and what unlocks them.

The redemption service asks ``check_reserved``, so a member outside the reward's tiers is
refused whatever page or API they come from; the portal shows the reward locked.
"""

from loyalty.errors import ApplicationError
from members.models import Member, Tier

from .models import Reward


def reserved_to(reward: Reward) -> list[Tier]:
    return list(reward.tiers.order_by("rank"))


def check_reserved(member: Member, reward: Reward) -> None:
    """Refuse a reward reserved to tiers the member is not in, naming what unlocks it."""
    tiers = reserved_to(reward)
    if tiers and member.tier_id not in {tier.pk for tier in tiers}:
        names = " or ".join(tier.name for tier in tiers)
        raise ApplicationError(
            f"{reward.name} is reserved to {names} members.",
            code="reward_reserved",
            field="reward",
        )
