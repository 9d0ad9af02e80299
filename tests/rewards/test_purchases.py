"""Recording purchases: points, lots, pending points, and every bad input refused."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from loyalty.errors import ApplicationError
from members.models import Member
from rewards.adjustments.services import adjust_points
from rewards.expiry.release import release_pending_points
from rewards.models import LedgerEntry, PointLot, Purchase
from rewards.purchases.recording import record_purchase
from rewards.redemptions.services import redeem_points
from tests.factories import ChannelFactory
from tests.helpers import assert_ledger_consistent, balance, pending

pytestmark = pytest.mark.usefixtures("web")


def buy(member, amount="100.00", order_id="A1", **kwargs):
    kwargs.setdefault("channel", "web")
    return record_purchase(
        order_id=order_id, amount=amount, member_id=member.pk if member else None, **kwargs
    )


def test_a_purchase_credits_points_to_the_ledger_and_a_lot(member):
    purchase = buy(member)
    assert purchase.points_earned == 100
    entry = LedgerEntry.objects.get(member=member)
    assert (entry.kind, entry.points, entry.purchase) == ("earn", 100, purchase)
    lot = PointLot.objects.get(member=member)
    assert (lot.points, lot.remaining, lot.status) == (100, 100, "available")
    assert balance(member) == 100
    assert_ledger_consistent()


def test_the_purchase_returned_is_the_row_stored(member):
    purchase = buy(member, amount="12.34", shipping_amount="2.00", lines=[{"amount": "10.34"}])
    stored = Purchase.objects.get(pk=purchase.pk)
    for field in Purchase._meta.concrete_fields:
        assert getattr(purchase, field.attname) == getattr(stored, field.attname), field.name
    assert stored.lines.get().amount == Decimal("10.34")


def test_points_expire_twelve_months_after_the_purchase(member):
    when = timezone.now() - timedelta(days=10)
    buy(member, purchased_at=when)
    lot = PointLot.objects.get(member=member)
    assert lot.expires_at.date() == when.replace(year=when.year + 1).date()


def test_points_never_expire_under_the_never_policy(member, program):
    program.expiry_policy = "never"
    program.save()
    buy(member)
    assert PointLot.objects.get(member=member).expires_at is None


def test_a_duplicate_order_id_is_refused_and_changes_nothing(member):
    buy(member)
    with pytest.raises(ApplicationError, match="already recorded") as exc:
        buy(member, amount="50.00")
    assert exc.value.code == "duplicate_order"
    assert Purchase.objects.count() == 1
    assert balance(member) == 100


def test_a_duplicate_order_in_a_callers_transaction_rolls_back_only_the_purchase(
    member, other_member
):
    buy(member)
    with transaction.atomic():
        adjust_points(member_id=other_member.pk, points=5, reason="welcome")
        with pytest.raises(ApplicationError, match="order A1 on channel web") as exc:
            buy(other_member, order_id=" A1 ", channel=" web ", amount="50.00")
        assert exc.value.code == "duplicate_order"
        # The caller's transaction goes on: its own write is kept, the purchase's are not.
        assert balance(other_member) == 5
    assert Purchase.objects.count() == 1
    assert LedgerEntry.objects.filter(member=other_member).count() == 1
    assert_ledger_consistent()


def test_the_same_order_id_on_another_channel_is_another_order(member):
    ChannelFactory(code="store")
    buy(member)
    buy(member, channel="store")
    assert balance(member) == 200


@pytest.mark.parametrize("amount", ["0", "-5.00", "0.00", "abc", "1.005", "NaN", "Infinity"])
def test_a_bad_amount_is_refused(member, amount):
    with pytest.raises(ApplicationError):
        buy(member, amount=amount)
    assert Purchase.objects.count() == 0
    assert LedgerEntry.objects.count() == 0


def test_a_float_amount_is_refused_because_money_is_decimal(member):
    with pytest.raises(ApplicationError, match="written as a decimal number"):
        buy(member, amount=10.5)


def test_an_unknown_currency_is_refused(member):
    with pytest.raises(ApplicationError, match="is unknown") as exc:
        buy(member, currency="ZZZ")
    assert exc.value.field == "currency"
    assert Purchase.objects.count() == 0


def test_another_known_currency_is_refused(member):
    with pytest.raises(ApplicationError, match="runs in EUR"):
        buy(member, currency="USD")


def test_a_future_purchase_is_refused(member):
    with pytest.raises(ApplicationError, match="future"):
        buy(member, purchased_at=timezone.now() + timedelta(days=1))


def test_a_naive_datetime_is_refused(member):
    with pytest.raises(ApplicationError, match="time zone"):
        buy(member, purchased_at=timezone.now().replace(tzinfo=None))


def test_an_unknown_channel_is_refused_with_the_known_ones(member):
    with pytest.raises(ApplicationError, match="known: web"):
        buy(member, channel="nope")


def test_shipping_and_tax_above_the_amount_are_refused(member):
    with pytest.raises(ApplicationError, match="cannot exceed"):
        buy(member, amount="10.00", shipping_amount="8.00", tax_amount="3.00")


def test_points_stay_pending_during_the_return_window(member, program):
    program.return_window_days = 30
    program.save()
    buy(member)
    assert (balance(member), pending(member)) == (0, 100)
    with pytest.raises(ApplicationError, match="not enough points"):
        redeem_points(member_id=member.pk, points=10)
    assert_ledger_consistent()


def test_pending_points_are_released_when_the_window_has_passed(member, program):
    program.return_window_days = 30
    program.save()
    buy(member)
    assert release_pending_points(now=timezone.now() + timedelta(days=29))["points"] == 0
    result = release_pending_points(now=timezone.now() + timedelta(days=31))
    assert result == {"members": 1, "points": 100}
    assert (balance(member), pending(member)) == (100, 0)
    assert release_pending_points(now=timezone.now() + timedelta(days=31))["points"] == 0
    assert_ledger_consistent()


def test_an_old_purchase_past_its_window_is_spendable_at_once(member, program):
    program.return_window_days = 30
    program.save()
    buy(member, purchased_at=timezone.now() - timedelta(days=40))
    assert (balance(member), pending(member)) == (100, 0)


def test_a_suspended_member_earns_nothing(member):
    Member.objects.filter(pk=member.pk).update(status="suspended")
    purchase = buy(member)
    assert purchase.points_earned == 0
    assert "suspended" in purchase.earn_breakdown[0]["rule"]
    assert balance(member) == 0


def test_a_non_member_purchase_is_recorded_without_points(program):
    purchase = buy(None)
    assert purchase.member is None and purchase.points_earned == 0
    assert LedgerEntry.objects.count() == 0


def test_the_breakdown_is_stored_on_the_purchase(member):
    purchase = buy(member, amount="12.50")
    assert purchase.earn_breakdown == [{"rule_id": None, "rule": "Base rate", "points": 12}]
    assert purchase.eligible_amount == Decimal("12.50")


def test_it_validates_ownership_points_go_to_the_buyer_only(member, other_member):
    buy(member)
    assert balance(other_member) == 0
    assert not LedgerEntry.objects.filter(member=other_member).exists()
