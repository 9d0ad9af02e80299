"""The demo program's settings: channels, earn rules, rewards, tiers, action rules, referrals."""

from decimal import Decimal

from members.models import Tier
from referrals.models import ReferralSettings
from rewards.models import ActionRule, Channel, EarnRule, Program, Reward


def load_program() -> list[Reward]:
    """The program, its channels, earn rules and rewards; the rewards, for the history."""
    program = Program.get()
    program.name = "Demo Coffee Club"
    program.currency = "EUR"
    program.return_window_days = 14
    program.allow_negative_balance = True  # a refund of spent points leaves a debt
    program.save()
    Channel.objects.get_or_create(code="web", defaults={"name": "Web shop"})
    Channel.objects.get_or_create(code="store", defaults={"name": "Stores"})
    Channel.objects.get_or_create(
        code="marketplace", defaults={"name": "Marketplace", "earns_points": False}
    )
    EarnRule.objects.create(name="Double points weekend", weekdays="6,7", multiplier=Decimal("2"))
    EarnRule.objects.create(name="Coffee beans x3", category="coffee", multiplier=Decimal("3"))
    EarnRule.objects.create(
        name="Big basket bonus",
        kind=EarnRule.Kind.BONUS,
        bonus_points=50,
        min_order_amount=Decimal("100"),
    )
    rewards = [
        ("5 EUR off", "fixed_discount", 500, {"discount_amount": Decimal("5")}),
        ("10% off your next order", "percent_discount", 800, {"discount_percent": Decimal("10")}),
        ("Free coffee", "free_item", 150, {"sku": "COFFEE-CUP", "stock": 500}),
        ("Free shipping", "free_shipping", 300, {}),
        ("Barista class", "experience", 3000, {"stock": 10}),
        ("Donate to the food bank", "donation", 250, {"cause": "City Food Bank"}),
    ]
    return [
        Reward.objects.create(name=name, kind=kind, points_cost=cost, **extra)
        for name, kind, cost, extra in rewards
    ]


def load_tiers() -> None:
    """Regular from 200 points a year, so that a member who just joined has no tier yet."""
    Tier.objects.create(name="Regular", rank=0, threshold=Decimal("200"), benefits="Birthday bonus")
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


def load_actions() -> None:
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
