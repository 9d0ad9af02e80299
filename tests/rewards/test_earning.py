"""What a purchase earns: base rate, rounding, what does not earn, and earn rules."""

from datetime import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from rewards.earning.quotes import quote_points
from rewards.models import EarnRule, Program, Purchase
from tests.factories import ChannelFactory, EarnRuleFactory

UTC = timezone.UTC if hasattr(timezone, "UTC") else None


def at(y, m, d, h=12):
    return datetime(y, m, d, h, tzinfo=timezone.get_current_timezone())


def quote(**kwargs):
    kwargs.setdefault("channel", "web")
    kwargs.setdefault("purchased_at", at(2026, 3, 4))  # a Wednesday
    return quote_points(**kwargs)


pytestmark = pytest.mark.usefixtures("web")


def test_base_rate_floors_by_default(program):
    assert quote(amount="99.99").points == 99


def test_one_point_per_ten_currency_units(program):
    program.earn_per_amount = Decimal("10.00")
    program.save()
    assert quote(amount="95.00").points == 9


def test_half_up_rounding_rounds_to_nearest(program):
    program.earn_per_amount = Decimal("10.00")
    program.rounding = Program.Rounding.HALF_UP
    program.save()
    assert quote(amount="95.00").points == 10
    assert quote(amount="94.99").points == 9


def test_shipping_and_tax_earn_nothing_by_default(program):
    result = quote(amount="130.00", shipping_amount="10.00", tax_amount="20.00")
    assert result.points == 100
    assert result.eligible_amount == Decimal("100.00")


def test_shipping_and_tax_earn_when_the_program_says_so(program):
    program.earn_on_shipping = True
    program.earn_on_tax = True
    program.save()
    assert quote(amount="130.00", shipping_amount="10.00", tax_amount="20.00").points == 130


def test_gift_card_lines_earn_nothing_by_default(program):
    lines = [{"amount": "50.00"}, {"amount": "50.00", "is_gift_card": True}]
    assert quote(amount="100.00", lines=lines).points == 50


def test_gift_card_lines_earn_when_configured(program):
    program.earn_on_gift_cards = True
    program.save()
    lines = [{"amount": "50.00"}, {"amount": "50.00", "is_gift_card": True}]
    assert quote(amount="100.00", lines=lines).points == 100


def test_reward_items_never_earn(program):
    program.earn_on_gift_cards = True
    program.save()
    lines = [{"amount": "40.00"}, {"amount": "10.00", "is_reward_item": True}]
    assert quote(amount="50.00", lines=lines).points == 40


def test_only_what_was_paid_in_money_earns(program):
    # Goods worth 100, 20 of it paid with points: the customer paid 80 and earns on 80.
    lines = [{"amount": "60.00"}, {"amount": "40.00"}]
    assert quote(amount="80.00", lines=lines).points == 80


def test_a_channel_that_does_not_earn_gives_no_points(program):
    ChannelFactory(code="marketplace", earns_points=False)
    result = quote(channel="marketplace", amount="100.00")
    assert result.points == 0
    assert "does not earn" in result.breakdown[0]["rule"]


def test_double_points_inside_the_date_window(program):
    EarnRuleFactory(name="Double weekend", starts_at=at(2026, 3, 1), ends_at=at(2026, 3, 8))
    result = quote(amount="100.00", purchased_at=at(2026, 3, 4))
    assert result.points == 200
    assert [row["rule"] for row in result.breakdown] == ["Base rate", "Double weekend"]


def test_double_points_not_outside_the_date_window(program):
    EarnRuleFactory(starts_at=at(2026, 3, 1), ends_at=at(2026, 3, 8))
    assert quote(amount="100.00", purchased_at=at(2026, 3, 8)).points == 100


def test_weekday_rule_applies_only_on_those_days(program):
    EarnRuleFactory(weekdays="6,7")
    assert quote(amount="10.00", purchased_at=at(2026, 3, 7)).points == 20  # Saturday
    assert quote(amount="10.00", purchased_at=at(2026, 3, 4)).points == 10  # Wednesday


def test_category_multiplier_applies_to_matching_lines_only(program):
    EarnRuleFactory(name="Coffee x3", multiplier=Decimal("3"), category="coffee")
    lines = [{"amount": "20.00", "category": "Coffee"}, {"amount": "30.00", "category": "tea"}]
    result = quote(amount="50.00", lines=lines)
    assert result.points == 50 + 40
    assert result.breakdown[1] == {
        "rule_id": EarnRule.objects.get().pk,
        "rule": "Coffee x3",
        "points": 40,
    }


def test_sku_rule_does_nothing_without_the_sku(program):
    EarnRuleFactory(sku="ABC-1")
    assert quote(amount="50.00", lines=[{"amount": "50.00", "sku": "XYZ"}]).points == 50


def test_minimum_order_bonus(program):
    EarnRuleFactory(kind=EarnRule.Kind.BONUS, bonus_points=25, min_order_amount=Decimal("100"))
    assert quote(amount="100.00").points == 125
    assert quote(amount="99.99").points == 99


def test_channel_rule_applies_only_on_its_channel(program, web):
    store = ChannelFactory(code="store")
    EarnRuleFactory(channel=store)
    assert quote(channel="store", amount="10.00").points == 20
    assert quote(channel="web", amount="10.00").points == 10


def test_inactive_rules_do_not_apply(program):
    EarnRuleFactory(active=False)
    assert quote(amount="10.00").points == 10


def test_breakdown_adds_up_to_the_points(program):
    EarnRuleFactory(multiplier=Decimal("1.5"))
    EarnRuleFactory(kind=EarnRule.Kind.BONUS, bonus_points=7)
    result = quote(amount="33.33")
    assert sum(row["points"] for row in result.breakdown) == result.points == 33 + 16 + 7


def test_quote_records_nothing(program):
    quote(amount="10.00")
    assert Purchase.objects.count() == 0
