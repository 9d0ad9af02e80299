"""factory-boy factories for the tests and the demo data."""

from decimal import Decimal

import factory
from django.utils import timezone

from members.models import Member, User
from rewards.models import Channel, EarnRule, Program, Reward


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    password = factory.django.Password("correct horse battery staple")


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    email = factory.Sequence(lambda n: f"member{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    external_id = factory.Sequence(lambda n: f"CUST-{n:06d}")
    enrolled_at = factory.LazyFunction(timezone.now)


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program

    name = "Test program"
    currency = "EUR"
    earn_points = 1
    earn_per_amount = Decimal("1.00")
    point_value = Decimal("0.0100")
    expiry_policy = Program.Expiry.FIXED
    expiry_months = 12
    return_window_days = 0


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Channel
        django_get_or_create = ("code",)

    code = "web"
    name = factory.LazyAttribute(lambda o: o.code.title())
    earns_points = True


class EarnRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EarnRule

    name = factory.Sequence(lambda n: f"Rule {n}")
    kind = EarnRule.Kind.MULTIPLIER
    multiplier = Decimal("2.00")


class RewardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reward

    name = factory.Sequence(lambda n: f"Reward {n}")
    kind = Reward.Kind.FREE_ITEM
    points_cost = 100


class TierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "members.Tier"

    name = factory.Sequence(lambda n: f"Tier {n}")
    rank = factory.Sequence(lambda n: n + 1)
    measure = "points"
    threshold = Decimal("100")
    period = "calendar_year"
    earn_multiplier = Decimal("1.00")


class ActionRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "rewards.ActionRule"

    name = factory.Sequence(lambda n: f"Action {n}")
    code = factory.Sequence(lambda n: f"action-{n}")
    kind = "custom"
    points = 10
    limit = "once"
    limit_count = 1
