"""load_demo: a demo program with tiers of data, a staff login and a member login."""

import contextlib
import random
from datetime import timedelta
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone

from loyalty.commands import BaseCommand
from loyalty.errors import ApplicationError
from members.models import Member, User
from members.services import enroll_member
from rewards import expiry, services
from rewards.models import Channel, EarnRule, Program, Reward

from ._args import in_range

STAFF = ("admin@example.com", "loyalty-admin-demo")
MEMBER = ("member@example.com", "loyalty-member-demo")
FIRST = [
    "Ann",
    "Bob",
    "Chloe",
    "David",
    "Emma",
    "Farid",
    "Grace",
    "Hugo",
    "Ines",
    "Jonas",
    "Kira",
    "Liam",
]
LAST = ["Martin", "Smith", "Dubois", "Garcia", "Rossi", "Nowak", "Jensen", "Silva", "Kim", "Novak"]


class Command(BaseCommand):
    help = (
        "Load demo data (a program, channels, earn rules, rewards, members with 18 months of "
        "history) and print a staff login and a member login. Does nothing if already loaded."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--members", type=int, default=40, help="members to create (default 40)"
        )
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, **options):
        in_range(options["members"], option="--members", minimum=0, maximum=10_000)
        if User.objects.filter(email=STAFF[0]).exists():
            self.stdout.write("Demo data is already loaded.")
        else:
            self.load(options["members"], random.Random(options["seed"]))  # noqa: S311
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write(
            "\n  Staff login  (http://127.0.0.1:8000/admin/): "
            f"{STAFF[0]} / {STAFF[1]}\n"
            f"  Member login (http://127.0.0.1:8000/):       {MEMBER[0]} / {MEMBER[1]}\n"
        )

    @transaction.atomic
    def load(self, count, rng):
        program = Program.get()
        program.name = "Demo Coffee Club"
        program.currency = "EUR"
        program.return_window_days = 14
        program.save()
        Channel.objects.get_or_create(code="web", defaults={"name": "Web shop"})
        Channel.objects.get_or_create(code="store", defaults={"name": "Stores"})
        Channel.objects.get_or_create(
            code="marketplace", defaults={"name": "Marketplace", "earns_points": False}
        )
        EarnRule.objects.create(
            name="Double points weekend", weekdays="6,7", multiplier=Decimal("2")
        )
        EarnRule.objects.create(name="Coffee beans x3", category="coffee", multiplier=Decimal("3"))
        EarnRule.objects.create(
            name="Big basket bonus",
            kind=EarnRule.Kind.BONUS,
            bonus_points=50,
            min_order_amount=Decimal("100"),
        )
        rewards = [
            Reward.objects.create(
                name="5 EUR off",
                kind="fixed_discount",
                points_cost=500,
                discount_amount=Decimal("5"),
            ),
            Reward.objects.create(
                name="10% off your next order",
                kind="percent_discount",
                points_cost=800,
                discount_percent=Decimal("10"),
            ),
            Reward.objects.create(
                name="Free coffee", kind="free_item", points_cost=150, sku="COFFEE-CUP", stock=500
            ),
            Reward.objects.create(name="Free shipping", kind="free_shipping", points_cost=300),
            Reward.objects.create(
                name="Barista class", kind="experience", points_cost=3000, stock=10
            ),
            Reward.objects.create(
                name="Donate to the food bank",
                kind="donation",
                points_cost=250,
                cause="City Food Bank",
            ),
        ]
        User.objects.create_superuser(
            email=STAFF[0], password=STAFF[1], first_name="Demo", last_name="Staff"
        )
        user = User.objects.create_user(email=MEMBER[0], password=MEMBER[1], first_name="Maria")
        EmailAddress.objects.create(user=user, email=MEMBER[0], verified=True, primary=True)

        now = timezone.now()
        emails = [MEMBER[0]] + [f"customer{i:03d}@example.com" for i in range(1, count)]
        for index, email in enumerate(emails):
            enrolled = now - timedelta(days=rng.randint(60, 540))
            member = enroll_member(
                email=email,
                first_name="Maria" if index == 0 else rng.choice(FIRST),
                last_name=rng.choice(LAST),
                external_id=f"CUST-{index + 1:05d}",
                enrolled_at=enrolled,
            )
            if index == 0:
                Member.objects.filter(pk=member.pk).update(user=user)
            self.history(member, enrolled, now, rng, rewards, order_prefix=f"D{index:03d}")
        services.release_pending_points()
        expiry.load_demo()

        from referrals import demo  # tiers, action rules and referrals

        demo.load(rng, member_email=MEMBER[0])

        from reporting.demo import load_demo_reports  # demo only: the ledger never needs reports

        load_demo_reports()

    def history(self, member, enrolled, now, rng, rewards, order_prefix):
        days = (now - enrolled).days
        for n in range(rng.randint(3, 14) if member.email != MEMBER[0] else 16):
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
            purchase = services.record_purchase(
                channel=rng.choice(["web", "store", "store", "marketplace"]),
                order_id=f"{order_prefix}-{n:03d}",
                amount=total,
                member_id=member.pk,
                purchased_at=when,
                lines=lines,
            )
            if rng.random() < 0.08:
                services.refund_purchase(
                    purchase_id=purchase.pk,
                    amount=(total / 2).quantize(Decimal("0.01")),
                    reason="returned an item",
                    refunded_at=min(now, when + timedelta(days=3)),
                )
        services.release_pending_points()
        for reward in rng.sample(rewards, k=3):
            with contextlib.suppress(ApplicationError):  # not enough points yet: fine for a demo
                services.redeem_reward(member_id=member.pk, reward_id=reward.pk)
