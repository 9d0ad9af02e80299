"""Refunds and returns reverse points in proportion; spent points become a shortfall or a debt."""

from decimal import Decimal

import pytest

from loyalty.errors import ApplicationError
from rewards.models import LedgerEntry, Purchase
from rewards.purchases.recording import record_purchase
from rewards.purchases.refunds import refund_purchase
from rewards.redemptions.services import redeem_points
from tests.helpers import assert_ledger_consistent, balance, pending

pytestmark = pytest.mark.usefixtures("web")


def buy(member, amount="100.00", order_id="A1"):
    return record_purchase(channel="web", order_id=order_id, amount=amount, member_id=member.pk)


def refund(purchase, amount, **kwargs):
    return refund_purchase(purchase_id=purchase.pk, amount=amount, **kwargs)


def test_a_full_refund_reverses_every_point(member):
    purchase = buy(member)
    result = refund(purchase, "100.00")
    assert (result.points_reversed, result.shortfall) == (100, 0)
    assert balance(member) == 0
    purchase.refresh_from_db()
    assert purchase.status == Purchase.Status.REFUNDED
    assert_ledger_consistent()


def test_a_partial_refund_reverses_in_proportion(member):
    purchase = buy(member, amount="80.00")
    assert refund(purchase, "20.00").points_reversed == 20
    assert balance(member) == 60
    purchase.refresh_from_db()
    assert purchase.status == Purchase.Status.PARTIALLY_REFUNDED


def test_partial_refunds_add_up_to_a_whole_refund(member):
    purchase = buy(member, amount="10.00")  # 10 points; thirds do not divide evenly
    reversed_points = [
        refund(purchase, amount).points_reversed for amount in ["3.33", "3.33", "3.34"]
    ]
    assert sum(reversed_points) == 10
    assert balance(member) == 0


def test_a_refund_above_what_is_left_is_refused(member):
    purchase = buy(member)
    refund(purchase, "60.00")
    with pytest.raises(ApplicationError, match="exceeds"):
        refund(purchase, "40.01")
    assert balance(member) == 40


def test_a_refund_of_spent_points_records_the_shortfall(member):
    purchase = buy(member)
    redeem_points(member_id=member.pk, points=70)
    result = refund(purchase, "100.00")
    assert (result.points_reversed, result.shortfall) == (30, 70)
    assert balance(member) == 0
    entry = LedgerEntry.objects.get(kind="reverse")
    assert entry.shortfall == 70 and "already spent" in entry.description
    assert_ledger_consistent()


def test_a_refund_of_spent_points_leaves_a_debt_when_allowed(member, program):
    program.allow_negative_balance = True
    program.save()
    purchase = buy(member)
    redeem_points(member_id=member.pk, points=70)
    refund(purchase, "100.00")
    assert balance(member) == -70
    assert_ledger_consistent()


def test_the_next_earning_settles_the_debt(member, program):
    program.allow_negative_balance = True
    program.save()
    purchase = buy(member)
    redeem_points(member_id=member.pk, points=70)
    refund(purchase, "100.00")
    buy(member, amount="100.00", order_id="A2")
    assert balance(member) == 30
    redeem_points(member_id=member.pk, points=30)
    assert balance(member) == 0
    assert_ledger_consistent()


def test_a_refund_of_pending_points_reduces_the_pending_balance(member, program):
    program.return_window_days = 30
    program.save()
    purchase = buy(member)
    refund(purchase, "25.00")
    assert (balance(member), pending(member)) == (0, 75)
    assert_ledger_consistent()


def test_a_repeated_refund_id_applies_once(member):
    purchase = buy(member)
    first = refund(purchase, "10.00", refund_id="R1")
    again = refund(purchase, "10.00", refund_id="R1")
    assert first.pk == again.pk
    assert balance(member) == 90


def test_a_refund_id_reused_with_another_amount_is_a_conflict(member):
    purchase = buy(member)
    refund(purchase, "10.00", refund_id="R1")
    with pytest.raises(ApplicationError) as exc:
        refund(purchase, "20.00", refund_id="R1")
    assert exc.value.code == "idempotency_conflict"


def test_a_refund_reverses_points_at_the_purchase_rate(member):
    purchase = buy(member, amount="33.00")
    assert purchase.points_earned == 33
    assert refund(purchase, Decimal("11.00")).points_reversed == 11


def test_it_validates_ownership_a_refund_touches_only_the_buyer(member, other_member):
    purchase = buy(member)
    record_purchase(channel="web", order_id="B1", amount="50.00", member_id=other_member.pk)
    refund(purchase, "100.00")
    assert balance(other_member) == 50
