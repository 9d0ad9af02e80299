"""Real shop exports (Shopify, WooCommerce via WebToffee), refunds included, imported as is."""

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from members.models import Member
from rewards.importing import ImportRejected, Options, import_purchases
from rewards.models import LedgerEntry, Purchase, Refund
from tests.helpers import assert_ledger_consistent, balance

from .test_import_purchases import csv_file

pytestmark = pytest.mark.usefixtures("web")

EXPORTS = Path(__file__).parent / "exports"


@pytest.fixture
def program(program):
    program.expiry_policy = "never"  # the exports are dated: keep their points
    program.save()
    return program


def export(tmp_path, name: str) -> Path:
    return Path(shutil.copy(EXPORTS / name, tmp_path / name))


def imported(tmp_path, name: str, preset: str):
    return import_purchases(export(tmp_path, name), Options(preset=preset))


# ---------------------------------------------------------------- Shopify


def test_a_shopify_export_becomes_one_purchase_per_order_with_its_lines(tmp_path, program):
    report = imported(tmp_path, "shopify_orders_export.csv", "shopify")
    assert (report.rows_read, report.purchases_created, report.not_a_sale) == (5, 4, 1)
    order = Purchase.objects.get(order_id="#1002")
    assert sorted(order.lines.values_list("sku", "quantity", "amount")) == [
        ("KETTLE", 1, Decimal("20.00")),
        ("POT", 2, Decimal("30.00")),
        ("TEA", 1, Decimal("10.00")),
    ]
    assert_ledger_consistent()


def test_a_partially_refunded_shopify_order_earns_on_what_the_customer_kept(tmp_path, program):
    report = imported(tmp_path, "shopify_orders_export.csv", "shopify")
    order = Purchase.objects.get(order_id="#1002")  # 60.00 of goods + 6.00 shipping, 30.00 back
    assert (order.status, order.refunded_amount) == ("partially_refunded", Decimal("30.00"))
    assert order.points_earned == 60  # what the whole order earned...
    refund = Refund.objects.get(purchase=order)
    assert (refund.amount, refund.points_reversed) == (Decimal("30.00"), 27)  # 60 x 30/66
    bob = Member.objects.get(email="bob@example.com")
    assert balance(bob) == 33  # ...less the refunded part, in proportion, as a live refund
    assert report.partially_refunded == 2
    assert_ledger_consistent()


def test_a_refunded_amount_on_a_paid_shopify_order_counts_too(tmp_path, program):
    imported(tmp_path, "shopify_orders_export.csv", "shopify")
    ann = Member.objects.get(email="ann@example.com")
    kept = Purchase.objects.get(order_id="#1005")  # 20.00, of which 5.00 refunded
    assert (kept.status, kept.refunded_amount) == ("partially_refunded", Decimal("5.00"))
    assert balance(ann) == 40 + 15  # #1001's goods, and #1005's kept part


def test_a_fully_refunded_shopify_order_earns_nothing(tmp_path, program):
    imported(tmp_path, "shopify_orders_export.csv", "shopify")
    order = Purchase.objects.get(order_id="#1003")
    assert (order.status, order.points_earned) == ("refunded", 0)
    assert not LedgerEntry.objects.filter(member__email="cara@example.com").exists()


def test_reimporting_a_partially_refunded_export_changes_nothing(tmp_path, program):
    imported(tmp_path, "shopify_orders_export.csv", "shopify")
    again = imported(tmp_path, "shopify_orders_export.csv", "shopify")
    assert (again.purchases_created, again.duplicates_skipped, again.changed) == (0, 4, 0)
    assert Refund.objects.count() == 2


def test_a_partially_refunded_status_without_an_amount_is_refused(tmp_path, program):
    header = "order_id,email,purchased_at,amount,status\n"
    path = csv_file(
        tmp_path, "P1,p@example.com,2026-10-01,10.00,partially_refunded\n", header=header
    )
    with pytest.raises(ImportRejected) as rejected:
        import_purchases(path, Options())
    assert "does not say how much" in rejected.value.report.errors[0].reason


def test_a_refund_larger_than_the_order_is_refused(tmp_path, program):
    header = "order_id,email,purchased_at,amount,refunded amount\n"
    path = csv_file(tmp_path, "P2,p@example.com,2026-10-01,10.00,12.00\n", header=header)
    with pytest.raises(ImportRejected) as rejected:
        import_purchases(path, Options())
    error = rejected.value.report.errors[0]
    assert (error.column, error.reason) == (
        "refunded amount",
        "The refunded amount 12.00 exceeds the order's amount 10.00.",
    )


def test_it_validates_ownership_a_refund_takes_points_only_from_its_own_customer(tmp_path, program):
    imported(tmp_path, "shopify_orders_export.csv", "shopify")
    reversals = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REVERSE)
    assert set(reversals.values_list("member__email", flat=True)) == {
        "bob@example.com",
        "ann@example.com",
    }


# ---------------------------------------------------------------- WooCommerce (WebToffee)


def test_a_woocommerce_refund_reduces_the_points_in_proportion(tmp_path, program):
    report = imported(tmp_path, "woocommerce_webtoffee_orders.csv", "woocommerce")
    assert (report.purchases_created, report.not_a_sale, report.refunded) == (4, 1, 1)
    damaged = Purchase.objects.get(order_id="1202")  # 50.00, one refund of 20.00 (written -20.00)
    assert (damaged.status, damaged.refunded_amount) == ("partially_refunded", Decimal("20.00"))
    assert balance(Member.objects.get(email="guest2@example.com")) == 30
    twice = Purchase.objects.get(order_id="1204")  # 30.00, two refunds of 5.00
    assert twice.refunded_amount == Decimal("10.00")
    gil = Member.objects.get(email="gil@example.com")
    assert balance(gil) == 20  # 1203 fully refunded: nothing; 1204: 30 - 10
    assert_ledger_consistent()


def test_woocommerce_guests_with_customer_id_0_stay_different_customers(tmp_path, program):
    imported(tmp_path, "woocommerce_webtoffee_orders.csv", "woocommerce")
    guests = Member.objects.filter(email__startswith="guest").order_by("email")
    assert [(m.email, m.external_id) for m in guests] == [
        ("guest1@example.com", None),
        ("guest2@example.com", None),
    ]
    assert Member.objects.get(email="gil@example.com").external_id == "7"
    assert balance(guests[0]) == 40  # 47.00 less shipping and tax


# ---------------------------------------------------------------- internationalised addresses


def test_a_windows_1252_customer_list_with_an_accented_mailbox_imports(tmp_path, program):
    header = "order_id,email,purchased_at,amount,name\n"
    body = "W1,José.Núñez@example.es,2026-10-01,25.00,José Núñez\n"
    path = csv_file(tmp_path, body, header=header, encoding="cp1252")
    report = import_purchases(path, Options())
    member = Member.objects.get()
    assert (member.email, member.first_name) == ("josé.núñez@example.es", "José")
    assert (report.members_created, report.points_awarded) == (1, 25)


def test_an_imported_row_finds_the_member_whatever_the_domain_is_written_in(tmp_path, program):
    from tests.factories import MemberFactory

    josé = MemberFactory(email="josé@exämple.de")
    header = "order_id,email,purchased_at,amount\n"
    body = (
        "U1,JOSÉ@xn--exmple-cua.de,2026-10-01,10.00\n"
        "U2,用户@例子.广告,2026-10-02,20.00\n"
        "U3,用户@xn--fsqu00a.xn--4rr70v,2026-10-03,30.00\n"
    )
    report = import_purchases(csv_file(tmp_path, body, header=header), Options())
    assert report.members_created == 1  # the two spellings of 用户's address are one member
    assert Purchase.objects.get(order_id="U1").member == josé
    chinese = Member.objects.get(email="用户@例子.广告")
    assert set(chinese.purchases.values_list("order_id", flat=True)) == {"U2", "U3"}
    assert balance(chinese) == 50


def test_a_malformed_address_in_the_file_is_that_rows_error(tmp_path, program):
    header = "order_id,email,purchased_at,amount\n"
    path = csv_file(tmp_path, "V1,jo sé@exämple.de,2026-10-01,10.00\n", header=header)
    with pytest.raises(ImportRejected) as rejected:
        import_purchases(path, Options())
    error = rejected.value.report.errors[0]
    assert (error.column, error.reason) == (
        "email",
        "'jo sé@exämple.de' is not a valid email address.",
    )
