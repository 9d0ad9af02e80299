"""Calendar months, shared by expiry and tiers (``loyalty/dates.py``)."""

from datetime import UTC, datetime

from loyalty.dates import add_months


def test_a_month_later_is_clamped_to_the_end_of_a_shorter_month():
    assert add_months(datetime(2024, 1, 31, 9, tzinfo=UTC), 1) == datetime(
        2024, 2, 29, 9, tzinfo=UTC
    )
    assert add_months(datetime(2025, 1, 31, tzinfo=UTC), 1) == datetime(2025, 2, 28, tzinfo=UTC)


def test_months_before_and_across_years():
    assert add_months(datetime(2025, 3, 31, tzinfo=UTC), -1) == datetime(2025, 2, 28, tzinfo=UTC)
    assert add_months(datetime(2025, 11, 15, tzinfo=UTC), 14) == datetime(2027, 1, 15, tzinfo=UTC)
    assert add_months(datetime(2025, 1, 15, tzinfo=UTC), -12) == datetime(2024, 1, 15, tzinfo=UTC)
