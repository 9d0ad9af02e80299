"""The program's input limits: one module that services, admin, API and import share."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from loyalty.errors import ApplicationError
from members.validation import check_birthday
from rewards import services, validation
from rewards.models import LedgerEntry, PointLot, Purchase
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
        services.record_purchase(
            channel="web", order_id="big", amount="9999999999.99", member_id=member.pk
        )
    assert error.value.code == "over_limit"
    assert Purchase.objects.count() == 0
    assert LedgerEntry.objects.count() == 0


def test_a_purchase_dated_before_the_earliest_date_is_refused(member, web):
    with pytest.raises(ApplicationError, match="purchase date cannot be before 2000-01-01"):
        services.record_purchase(
            channel="web",
            order_id="old",
            amount="10.00",
            member_id=member.pk,
            purchased_at=timezone.make_aware(datetime(1999, 12, 31, 12)),
        )
    assert Purchase.objects.count() == 0


def test_an_adjustment_of_more_points_than_the_maximum_is_refused(member):
    with pytest.raises(ApplicationError, match="at most 1,000,000"):
        services.adjust_points(member_id=member.pk, points=9223372036854775807, reason="typo")
    assert LedgerEntry.objects.count() == 0


@pytest.mark.parametrize(
    ("day", "says"), [(date(2099, 1, 1), "in the past"), (date(1850, 1, 1), "120 years")]
)
def test_a_birthday_in_the_future_or_too_long_ago_is_refused(day, says):
    with pytest.raises(ApplicationError, match=says):
        check_birthday(day, today=date(2026, 11, 1))


def test_the_balance_does_not_count_points_past_their_expiry_before_the_job_runs(member, web):
    services.record_purchase(channel="web", order_id="1", amount="100.00", member_id=member.pk)
    lot = PointLot.objects.get(member=member)
    lot.expires_at = timezone.now() - timedelta(hours=1)
    lot.save(update_fields=["expires_at"])
    member.refresh_from_db()
    balance = member_balance(member)
    assert member.points_balance == 100  # the cache keeps them until the job writes them off
    assert (balance.points, balance.spendable, balance.lapsed) == (0, 0, 100)
    with pytest.raises(ApplicationError, match="not enough points"):
        services.redeem_points(member_id=member.pk, points=1)


def test_it_validates_ownership_a_balance_counts_only_the_members_own_lots(
    member, other_member, web
):
    services.record_purchase(channel="web", order_id="1", amount="40.00", member_id=member.pk)
    assert member_balance(other_member).points == 0
    assert member_balance(member).spendable == 40
