"""The import checks amounts and dates with the program's limits (``rewards.validation``),
in the same words as the admin and the services."""

from datetime import date
from decimal import Decimal

import pytest

from rewards.importing import ImportRejected, Options, import_purchases, values
from rewards.models import Purchase
from rewards.validation import Limits

pytestmark = pytest.mark.usefixtures("web", "program")

HEADER = "order_id,email,customer_id,purchased_at,amount,currency,status,name,shipping\n"


def rejected(tmp_path, cells: str) -> list[tuple[str, str]]:
    path = tmp_path / "orders.csv"
    path.write_text(HEADER + cells + "\n")
    with pytest.raises(ImportRejected) as exc:
        import_purchases(path, Options())
    return [(error.column, error.reason) for error in exc.value.report.errors]


@pytest.mark.parametrize(
    ("cells", "error"),
    [
        (
            "A1,a@example.com,,2024-01-01,1000000.01,EUR,,,",
            ("amount", "The amount must be at most 1,000,000.00."),
        ),
        (
            'A1,a@example.com,,2024-01-01,"9,999,999,999.99",EUR,,,',
            ("amount", "The amount must be at most 1,000,000.00."),
        ),
        (
            f"A1,a@example.com,,2024-01-01,{'9' * 40},EUR,,,",
            ("amount", "The amount must be at most 1,000,000.00."),
        ),
        (
            "A1,a@example.com,,1999-12-31,10.00,EUR,,,",
            ("purchased_at", "The purchase date cannot be before 2000-01-01."),
        ),
        (
            "A1,a@example.com,,2024-01-01,10.00,EUR,,,2000000.00",
            ("shipping", "The shipping must be at most 1,000,000.00."),
        ),
    ],
)
def test_a_value_out_of_the_programs_range_is_refused_in_the_same_words(tmp_path, cells, error):
    assert rejected(tmp_path, cells)[0] == error
    assert not Purchase.objects.exists()


def test_the_merchants_own_limits_apply_to_the_import(tmp_path, program):
    program.max_purchase_amount = Decimal("500.00")
    program.earliest_date = date(2020, 1, 1)
    program.save()
    errors = rejected(tmp_path, "A1,a@example.com,,2019-06-01,600.00,EUR,,,")
    assert ("amount", "The amount must be at most 500.00.") in errors
    assert ("purchased_at", "The purchase date cannot be before 2020-01-01.") in errors


def test_the_parser_reads_the_shops_formats_then_checks_the_range():
    limits = Limits()
    assert values.parse_amount("€1,234.50", limits=limits) == (Decimal("1234.50"), "")
    assert values.parse_amount("0", limits=limits, label="tax", allow_zero=True)[0] == 0
    with pytest.raises(ValueError, match="The tax must not be negative"):
        values.parse_amount("-1", limits=limits, label="tax", allow_zero=True)


def test_it_validates_ownership_a_refused_row_changes_no_member(tmp_path, member):
    rejected(tmp_path, f"A1,{member.email},,2024-01-01,1000000.01,EUR,,,")
    member.refresh_from_db()
    assert member.points_balance == 0
