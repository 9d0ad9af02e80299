"""Demo data of tiers, action rules and referrals (called once at the end of load_demo)."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from members.models import Member, Tier
from members.services import enroll_member
from rewards import services as rewards
from rewards.actions import award_birthday_bonuses, record_action
from rewards.models import ActionRule
from rewards.tiering import evaluate_tiers

from . import services
from .models import ReferralSettings


def load(rng=None, *, member_email: str = "member@example.com") -> None:
    Tier.objects.create(name="Regular", rank=0, threshold=0, benefits="Birthday bonus")
    Tier.objects.create(
        name="Silver",
        rank=1,
        threshold=Decimal("500"),
        earn_multiplier=Decimal("1.25"),
        benefits="1.25x points\nFree shipping over 30 EUR",
    )
    Tier.objects.create(
        name="Gold VIP",
        rank=2,
        threshold=Decimal("1500"),
        earn_multiplier=Decimal("1.5"),
        grace_months=3,
        benefits="1.5x points\nFree shipping\nEarly access to new coffees",
    )
    Tier.objects.create(
        name="Club (paid)",
        rank=3,
        is_paid=True,
        fee=Decimal("49.00"),
        term_months=12,
        earn_multiplier=Decimal("2"),
        benefits="2x points\nFree shipping\nA free bag of beans every month",
    )
    rules = [
        ("Welcome bonus", "signup", "welcome", 100, "once", 1),
        ("Birthday bonus", "birthday", "birthday", 200, "year", 1),
        ("Product review", "review", "review", 25, "month", 3),
        ("Social share", "share", "share", 10, "day", 1),
        ("Newsletter subscription", "newsletter", "newsletter", 50, "once", 1),
        ("App download", "custom", "app-download", 75, "once", 1),
    ]
    for name, kind, code, points, limit, count in rules:
        ActionRule.objects.create(
            name=name, kind=kind, code=code, points=points, limit=limit, limit_count=count
        )
    ReferralSettings.get()
    evaluate_tiers()

    now = timezone.now()
    maria = Member.objects.get(email=member_email)
    Member.objects.filter(pk=maria.pk).update(
        birthday=timezone.localdate().replace(year=1990, day=1)
    )
    award_birthday_bonuses()
    record_action(member_id=maria.pk, code="newsletter", occurred_at=now - timedelta(days=40))
    record_action(member_id=maria.pk, code="review", occurred_at=now - timedelta(days=3))
    code = services.record_share(member_id=maria.pk).code
    for index, (email, amount) in enumerate(
        [("friend.one@example.com", "45.00"), ("friend.two@example.com", None)]
    ):
        friend = enroll_member(email=email, first_name=f"Friend {index + 1}")
        services.attach_referral(
            referee_member_id=friend.pk, code=code, source="signup", at=now - timedelta(days=30)
        )
        if amount:
            rewards.record_purchase(
                channel="web",
                order_id=f"REF-{index + 1}",
                amount=amount,
                member_id=friend.pk,
                purchased_at=now - timedelta(days=25),
            )
    # A look-alike address: waits for staff approval in the admin.
    lookalike = enroll_member(email="member@another.example", first_name="Maria")
    services.attach_referral(referee_member_id=lookalike.pk, code=code, source="signup")
    rewards.release_pending_points()
    services.pay_due_referrals()
