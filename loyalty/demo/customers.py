"""The demo's customers: 18 months of random purchases, refunds and redemptions each."""

import contextlib
import random
from datetime import datetime, timedelta
from decimal import Decimal

from loyalty.errors import ApplicationError
from members.models import Member
from members.services import enroll_member
from rewards.expiry.release import release_pending_points
from rewards.models import Reward
from rewards.purchases.recording import record_purchase
from rewards.purchases.refunds import refund_purchase
from rewards.redemptions.services import redeem_reward

FIRST = ["Ann", "Bob", "Chloe", "David", "Emma", "Farid", "Grace", "Hugo", "Ines", "Jonas"]
LAST = ["Martin", "Smith", "Dubois", "Garcia", "Rossi", "Nowak", "Jensen", "Silva", "Kim"]


def load_customers(emails: list[str], *, rng: random.Random, rewards: list[Reward], now):
    """One member per email, with a random history; the first one shops the most."""
    members = []
    for index, email in enumerate(emails):
        enrolled = now - timedelta(days=rng.randint(60, 540))
        member = enroll_member(
            email=email,
            first_name="Maria" if index == 0 else rng.choice(FIRST),
            last_name=rng.choice(LAST),
            external_id=f"CUST-{index + 1:05d}",
            enrolled_at=enrolled,
        )
        purchases = 16 if index == 0 else rng.randint(3, 14)
        history(member, enrolled, now, rng, rewards, f"D{index:03d}", purchases)
        members.append(member)
    return members


def history(member: Member, enrolled: datetime, now, rng, rewards, prefix: str, count: int):
    days = (now - enrolled).days
    for n in range(count):
        when = enrolled + timedelta(days=rng.randint(0, days), hours=rng.randint(8, 19))
        when = min(when, now - timedelta(hours=1))
        lines = [
            {
                "amount": f"{rng.randint(5, 60)}.{rng.randint(0, 99):02d}",
                "category": rng.choice(["coffee", "tea", "mugs"]),
            }
            for _ in range(rng.randint(1, 3))
        ]
        total = sum(Decimal(line["amount"]) for line in lines)
        purchase = record_purchase(
            channel=rng.choice(["web", "store", "store", "marketplace"]),
            order_id=f"{prefix}-{n:03d}",
            amount=total,
            member_id=member.pk,
            purchased_at=when,
            lines=lines,
        )
        if rng.random() < 0.08:
            refund_purchase(
                purchase_id=purchase.pk,
                amount=(total / 2).quantize(Decimal("0.01")),
                reason="returned an item",
                refunded_at=min(now, when + timedelta(days=3)),
            )
    release_pending_points()
    for reward in rng.sample(rewards, k=3):
        with contextlib.suppress(ApplicationError):  # not enough points yet: fine for a demo
            redeem_reward(member_id=member.pk, reward_id=reward.pk)
