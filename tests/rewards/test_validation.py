"""The program's input limits: one module that services, admin, API and import share."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loyalty.errors import ApplicationError
from members.validation import check_birthday
from rewards import validation
from rewards.adjustments.services import adjust_points
from rewards.earning.rules import calculate, most_points
from rewards.models import LedgerEntry, PointLot, Purchase
from rewards.purchases.recording import record_purchase
from rewards.redemptions.services import redeem_points
from rewards.selectors import member_balance
from tests.factories import ProgramFactory

LIMITS = validation.Limits()


@pytest.mark.parametrize("text", ["12.50", "1,000"[:1], "0.01", " 7 ", "1000000.00"])
def test_a_plain_amount_in_ascii_digits_is_accepted(text):
    assert validation.check_amount(text, field="amount", limits=LIMITS) == Decimal(text.strip())


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("١٢٣", "must be a number"),
        ("1e3", "must be a number"),
        ("NaN", "must be a number"),
        ("12.", "must be a number"),
        ("", "must be a number"),
        (10.5, "written as a decimal number"),
        (True, "written as a decimal number"),
        ("12.345", "at most 2 decimal places"),
        ("0", "more than zero"),
        ("-5", "more than zero"),
        ("1000000.01", "at most 1,000,000.00"),
        ("9999999999.99", "at most 1,000,000.00"),
        ("9" * 30, "at most 1,000,000.00"),  # no cents in 28 digits: never an exception
        ("9" * 30 + ".5", "at most 1,000,000.00"),
    ],
)
def test_an_amount_out_of_range_or_not_plain_digits_is_refused_in_words(value, says):
    with pytest.raises(ApplicationError, match=says) as error:
        validation.check_amount(value, field="amount", limits=LIMITS)
    assert error.value.field == "amount"


def test_a_zero_amount_is_accepted_where_zero_is_allowed():
    assert validation.check_amount("0", field="tax", limits=LIMITS, allow_zero=True) == 0


@pytest.mark.parametrize(
    ("value", "says"),
    [
        (0, "cannot be zero"),
        (-3, "more than zero"),
        (1_000_001, "at most 1,000,000"),
        (9223372036854775807, "at most 1,000,000"),
        ("10", "whole number"),
        (True, "whole number"),
    ],
)
def test_points_out_of_range_are_refused(value, says):
    with pytest.raises(ApplicationError, match=says):
        validation.check_points(value, limits=LIMITS)


def test_negative_points_are_accepted_only_where_allowed():
    assert validation.check_points(-10, limits=LIMITS, allow_negative=True) == -10
    with pytest.raises(ApplicationError, match="at most 1,000,000"):
        validation.check_points(-2_000_000, limits=LIMITS, allow_negative=True)


@pytest.mark.parametrize(
    ("value", "ok"), [("1", True), ("2.5", True), ("0.5", False), ("101", False)]
)
def test_a_multiplier_is_between_1_and_100(value, ok):
    if ok:
        assert validation.check_multiplier(value) == Decimal(value)
    else:
        with pytest.raises(ApplicationError, match="multiplier must be at"):
            validation.check_multiplier(value)


def test_a_moment_before_the_earliest_date_or_in_the_future_is_refused():
    now = timezone.now()
    with pytest.raises(ApplicationError, match="cannot be before 2000-01-01"):
        validation.check_moment(
            timezone.make_aware(datetime(1, 1, 1, 12)), field="purchased_at", limits=LIMITS
        )
    with pytest.raises(ApplicationError, match="cannot be in the future"):
        validation.check_moment(now + timedelta(minutes=6), field="purchased_at", limits=LIMITS)
    with pytest.raises(ApplicationError, match="time zone"):
        validation.check_moment(datetime(2024, 1, 1), field="purchased_at", limits=LIMITS)  # noqa: DTZ001
    skewed = now + timedelta(minutes=4)
    assert validation.check_moment(skewed, field="at", limits=LIMITS, now=now) == skewed
    assert validation.check_moment(None, field="at", limits=LIMITS, now=now) == now


def test_a_day_outside_the_range_is_refused_unless_the_future_is_allowed():
    today = date(2026, 6, 1)
    with pytest.raises(ApplicationError, match="cannot be before"):
        validation.check_day(date(1999, 12, 31), field="day", limits=LIMITS, today=today)
    with pytest.raises(ApplicationError, match="in the future"):
        validation.check_day(date(2026, 6, 2), field="day", limits=LIMITS, today=today)
    assert validation.check_day(
        date(2027, 1, 1), field="day", limits=LIMITS, today=today, allow_future=True
    )
    with pytest.raises(ApplicationError, match="too far"):
        validation.check_day(date(9999, 12, 31), field="d", limits=LIMITS, allow_future=True)


def test_the_limits_are_the_programs_and_a_merchant_can_change_them(db):
    program = ProgramFactory(max_purchase_amount=Decimal("50.00"), earliest_date=date(2020, 1, 1))
    limits = validation.limits(program)
    assert limits.max_amount == Decimal("50.00")
    with pytest.raises(ApplicationError, match="at most 50.00"):
        validation.check_amount("50.01", field="amount", limits=limits)


def test_a_purchase_over_the_maximum_writes_nothing(member, web):
    with pytest.raises(ApplicationError, match="at most 1,000,000.00") as error:
        record_purchase(channel="web", order_id="big", amount="9999999999.99", member_id=member.pk)
    assert error.value.code == "over_limit"
    assert Purchase.objects.count() == 0
    assert LedgerEntry.objects.count() == 0


def test_a_purchase_dated_before_the_earliest_date_is_refused(member, web):
    with pytest.raises(ApplicationError, match="purchase date cannot be before 2000-01-01"):
        record_purchase(
            channel="web",
            order_id="old",
            amount="10.00",
            member_id=member.pk,
            purchased_at=timezone.make_aware(datetime(1999, 12, 31, 12)),
        )
    assert Purchase.objects.count() == 0


def test_an_adjustment_of_more_points_than_the_maximum_is_refused(member):
    with pytest.raises(ApplicationError, match="at most 1,000,000"):
        adjust_points(member_id=member.pk, points=9223372036854775807, reason="typo")
    assert LedgerEntry.objects.count() == 0


@pytest.mark.parametrize(
    ("day", "says"), [(date(2099, 1, 1), "in the past"), (date(1850, 1, 1), "120 years")]
)
def test_a_birthday_in_the_future_or_too_long_ago_is_refused(day, says):
    with pytest.raises(ApplicationError, match=says):
        check_birthday(day, today=date(2026, 11, 1))


def test_the_balance_does_not_count_points_past_their_expiry_before_the_job_runs(member, web):
    record_purchase(channel="web", order_id="1", amount="100.00", member_id=member.pk)
    lot = PointLot.objects.get(member=member)
    lot.expires_at = timezone.now() - timedelta(hours=1)
    lot.save(update_fields=["expires_at"])
    member.refresh_from_db()
    balance = member_balance(member)
    assert member.points_balance == 100  # the cache keeps them until the job writes them off
    assert (balance.points, balance.spendable, balance.lapsed) == (0, 0, 100)
    with pytest.raises(ApplicationError, match="not enough points"):
        redeem_points(member_id=member.pk, points=1)


def test_it_validates_ownership_a_balance_counts_only_the_members_own_lots(
    member, other_member, web
):
    record_purchase(channel="web", order_id="1", amount="40.00", member_id=member.pk)
    assert member_balance(other_member).points == 0
    assert member_balance(member).spendable == 40


# ---------------------------------------------------------------- counts, stock, settings


@pytest.mark.parametrize(
    ("value", "says"),
    [(-1, "from 0 to 365"), (366, "from 0 to 365"), ("7", "whole number"), (1.5, "whole number")],
)
def test_a_count_out_of_its_range_is_refused_in_words(value, says):
    with pytest.raises(ApplicationError, match=says) as error:
        validation.check_count(value, field="days", label="return window", maximum=365)
    assert error.value.field == "days"


def test_a_stock_is_empty_for_unlimited_or_up_to_ten_million():
    assert validation.check_stock(None) is None
    assert validation.check_stock(0) == 0
    with pytest.raises(ApplicationError, match="The stock must be from 0 to 10,000,000."):
        validation.check_stock(10_000_001)


@pytest.mark.parametrize(
    ("value", "ok"), [("0.01", True), ("100", True), ("0", False), ("100.5", False)]
)
def test_a_percentage_is_more_than_0_and_at_most_100(value, ok):
    if ok:
        assert validation.check_percent(value, field="p") == Decimal(value)
    else:
        with pytest.raises(ApplicationError, match="more than 0 and at most 100"):
            validation.check_percent(value, field="p")


def test_a_point_value_has_up_to_4_decimals_and_at_most_100():
    assert validation.check_point_value("0.0125") == Decimal("0.0125")
    with pytest.raises(ApplicationError, match="at most 4 decimal places"):
        validation.check_point_value("0.00001")
    with pytest.raises(ApplicationError, match="at most 100"):
        validation.check_point_value("101")


def test_the_earn_rate_is_at_most_100_points_per_unit():
    assert validation.check_earn_rate(1, per=Decimal("10.00")) == Decimal("0.1")
    with pytest.raises(ApplicationError, match="at most 100 points per 1.00 spent"):
        validation.check_earn_rate(101, per=Decimal("1.00"))


def test_a_planned_date_may_be_in_the_future_but_not_a_century_away():
    now = timezone.now()
    later = now + timedelta(days=400)
    assert validation.check_moment(later, field="ends_at", limits=LIMITS, allow_future=True)
    with pytest.raises(ApplicationError, match="too far in the future"):
        validation.check_moment(
            now + timedelta(days=365 * 101), field="ends_at", limits=LIMITS, allow_future=True
        )


# ---------------------------------------------------------------- thresholds and the ceiling


def test_a_purchase_above_the_large_amount_asks_a_question():
    assert validation.large_purchase_question(Decimal("10000.00"), LIMITS) is None
    assert validation.large_purchase_question(Decimal("25000.00"), LIMITS) == (
        "Are you sure? 25,000.00 is above your large-purchase threshold of 10,000.00."
    )


def test_an_adjustment_above_the_large_points_needs_approval_either_way():
    assert not validation.needs_approval(10_000, LIMITS)
    assert validation.needs_approval(10_001, LIMITS)
    assert validation.needs_approval(-10_001, LIMITS)


def test_the_ceiling_formula_with_the_defaults():
    most = most_points(
        max_amount=Decimal("1000000.00"),
        earn_points=1,
        earn_per_amount=Decimal("1.00"),
        tier_multiplier=Decimal("1.5"),
        rule_multipliers=[Decimal("2")],
        bonuses=[500],
    )
    assert most == 1_000_000 * 5 // 2 + 500 + 4
    validation.check_purchase_ceiling(most, field="f", label="x", max_amount=Decimal(1))
    with pytest.raises(ApplicationError, match="more than the 100,000,000 points"):
        validation.check_purchase_ceiling(10**8 + 1, field="f", label="x", max_amount=Decimal(1))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    earn_points=st.integers(1, 1000),
    cents=st.integers(1, 100_000),
    amount_cents=st.integers(1, 100_000_000),
    tier=st.decimals("1", "100", places=2),
    multipliers=st.lists(st.decimals("1", "100", places=2), max_size=3),
    bonuses=st.lists(st.integers(0, 1_000_000), max_size=2),
    rounding=st.sampled_from(["floor", "half_up", "ceiling"]),
)
def test_the_ceiling_formula_bounds_what_a_purchase_earns(
    earn_points, cents, amount_cents, tier, multipliers, bonuses, rounding
):
    """The documented arithmetic is an upper bound of the real calculation, whatever the
    settings: the admin's checks of programs, rules and tiers can rely on it."""
    from rewards.models import Channel, EarnRule, Program

    program = Program(
        earn_points=earn_points, earn_per_amount=Decimal(cents) / 100, rounding=rounding
    )
    rules = [
        EarnRule(name=f"m{i}", kind="multiplier", multiplier=m) for i, m in enumerate(multipliers)
    ]
    rules += [EarnRule(name=f"b{i}", kind="bonus", bonus_points=b) for i, b in enumerate(bonuses)]
    amount = Decimal(amount_cents) / 100
    result = calculate(
        program=program,
        rules=rules,
        channel=Channel(code="web", earns_points=True),
        amount=amount,
        purchased_at=timezone.now(),
        tier_multiplier=tier,
    )
    most = most_points(
        max_amount=amount,
        earn_points=earn_points,
        earn_per_amount=Decimal(cents) / 100,
        tier_multiplier=tier,
        rule_multipliers=multipliers,
        bonuses=bonuses,
    )
    assert result.points <= most


def test_a_purchase_that_would_earn_past_the_ceiling_is_refused(member, web, program):
    from rewards.models import EarnRule

    program.max_purchase_amount = Decimal("99999999.99")
    program.save()
    EarnRule.objects.create(name="Typo x100", multiplier=Decimal("100"))  # around the admin
    with pytest.raises(ApplicationError, match="would earn must be at most 100,000,000"):
        record_purchase(channel="web", order_id="X", amount="5000000.00", member_id=member.pk)
    assert not Purchase.objects.exists()


# ---------------------------------------------------------------- in models


def test_a_field_validator_says_the_checks_sentence():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        validation.Within("count", "times per period", minimum=1, maximum=1000)(5000)
    assert error.value.messages == ["The times per period must be from 1 to 1,000."]


def test_no_column_range_validator_is_added_beside_ours():
    from rewards.models import Program

    field = Program._meta.get_field("max_points_per_entry")
    limits = [v.limit_value for v in field.validators if hasattr(v, "limit_value")]
    assert 2147483647 not in limits and 9223372036854775807 not in limits


def test_every_check_constraint_has_a_message_in_words():
    from django.apps import apps
    from django.db.models import CheckConstraint

    for app in ("members", "rewards", "referrals"):
        for model in apps.get_app_config(app).get_models():
            for constraint in model._meta.constraints:
                if isinstance(constraint, CheckConstraint):
                    message = constraint.get_violation_error_message()
                    assert constraint.name not in message, f"{model.__name__}: {message}"
                    assert message[0].isupper() and message.endswith("."), message


# ---------------------------------------------------------------- tiers rise with rank


def test_tier_thresholds_must_rise_with_rank():
    from members.models import Tier
    from members.validation import check_tier_order

    silver = Tier(name="Silver", rank=1, threshold=Decimal(500), measure="points")
    gold = Tier(name="Gold", rank=2, threshold=Decimal(400), measure="points")
    with pytest.raises(
        ApplicationError, match="Gold \\(rank 2\\) needs a threshold above Silver's 500 points."
    ):
        check_tier_order(gold, [silver])
    spend = Tier(name="Big", rank=3, threshold=Decimal(10), measure="spend")
    with pytest.raises(ApplicationError, match="below Big's 10.00 spent"):
        check_tier_order(Tier(name="Low", rank=2, threshold=Decimal(20), measure="spend"), [spend])
