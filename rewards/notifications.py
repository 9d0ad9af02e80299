"""The emails a member gets when something happens to their membership: a redemption's code,
a tier change (with the new benefits). Receivers of the rewards and members signals,
connected in ``RewardsConfig.ready``; each email is sent once the transaction commits, so a
rolled-back change never emails anyone.
"""

from functools import partial

from django.db import transaction
from django.urls import reverse

from members.models import Member, Tier

from .messaging import send_member_email
from .models import Redemption


def _rank(tier: Tier | None) -> int:
    return -1 if tier is None else tier.rank


def _send(member: Member, template: str, context: dict) -> None:
    if member.status != Member.Status.CLOSED:
        transaction.on_commit(
            partial(send_member_email, member=member, template=template, context=context)
        )


def on_redemption_created(sender, redemption: Redemption, **kwargs):
    name = redemption.reward.name if redemption.reward else ""
    context = {
        "redemption": redemption,
        "reward_name": name or f"{redemption.value} {redemption.currency}",
        "redemption_path": reverse("portal:redemption", args=[redemption.pk]),
    }
    _send(redemption.member, "redemption_code", context)


def on_tier_changed(sender, member: Member, from_tier=None, to_tier=None, **kwargs):
    context = {
        "from_tier": from_tier,
        "to_tier": to_tier,
        "up": _rank(to_tier) > _rank(from_tier),
        "benefits": to_tier.benefit_list() if to_tier else [],
    }
    _send(member, "tier_change", context)
