"""The emails a member gets when something happens to their membership: a redemption's code,
a tier change (with the new benefits), a referral reward. Receivers of the rewards and
members signals (connected in ``RewardsConfig.ready``) and ``email_after_commit``: each
email is queued (``tasks.email_member``) once the transaction commits, so a rolled-back
change never emails anyone and a slow mail server never holds a request or a lock.
"""

from functools import partial

from django.db import transaction
from django.urls import reverse

from members.models import Member, Tier

from .models import Redemption
from .tasks import email_member


def email_after_commit(member: Member, template: str, context: dict) -> None:
    """Queue ``send_member_email`` for after the commit; ``context`` plain JSON values."""
    if member.status != Member.Status.CLOSED:
        transaction.on_commit(
            partial(email_member.delay, member_id=member.pk, template=template, context=context)
        )


def _rank(tier: Tier | None) -> int:
    return -1 if tier is None else tier.rank


def on_redemption_created(sender, redemption: Redemption, **kwargs):
    name = redemption.reward.name if redemption.reward else ""
    context = {
        "code": redemption.code,
        "reward_name": name or f"{redemption.value} {redemption.currency}",
        "redemption_path": reverse("portal:redemption", args=[redemption.pk]),
    }
    email_after_commit(redemption.member, "redemption_code", context)


def on_tier_changed(sender, member: Member, from_tier=None, to_tier=None, **kwargs):
    context = {
        "from_tier": from_tier.name if from_tier else "",
        "to_tier": to_tier.name if to_tier else "",
        "up": _rank(to_tier) > _rank(from_tier),
        "benefits": to_tier.benefit_list() if to_tier else [],
    }
    email_after_commit(member, "tier_change", context)
