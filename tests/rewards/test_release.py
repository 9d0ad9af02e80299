"""Releasing pending points in batches: once, set-based, debts settled first."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from members.models import Member
from rewards.adjustments.services import adjust_points
from rewards.expiry.release import release_pending_points
from rewards.models import LedgerEntry, PointLot
from rewards.purchases.recording import record_purchase
from rewards.purchases.refunds import refund_purchase
from rewards.redemptions.services import redeem_points
from tests.conftest import skip_unless_postgresql
from tests.factories import ChannelFactory, MemberFactory, ProgramFactory
from tests.helpers import assert_ledger_consistent, balance, pending
from tests.rewards.test_concurrency import race

pytestmark = pytest.mark.usefixtures("web")


@pytest.fixture
def window(program):
    program.return_window_days = 14
    program.save()
    return program


def buy(member, amount, *, days_ago, order_id=None):
    """A purchase ``days_ago`` days old whose points are pending (due when days_ago >= 14)."""
    purchase = record_purchase(
        channel="web",
        order_id=order_id or f"{member.pk}-{days_ago}-{amount}",
        amount=f"{amount}.00",
        member_id=member.pk,
    )
    release_at = timezone.now() + timedelta(days=14 - days_ago)
    PointLot.objects.filter(purchase=purchase).update(available_at=release_at)
    return purchase


def test_due_points_are_released_with_one_entry_per_member(member, window):
    buy(member, 30, days_ago=20, order_id="a")
    buy(member, 20, days_ago=15, order_id="b")
    buy(member, 10, days_ago=2, order_id="c")

    result = release_pending_points()

    assert result == {"members": 1, "points": 50}
    entry = LedgerEntry.objects.get(kind="release")
    assert (entry.points, entry.pending_points) == (50, -50)
    assert (balance(member), pending(member)) == (50, 10)
    assert_ledger_consistent()


def test_a_second_run_releases_nothing(member, window):
    buy(member, 30, days_ago=20)
    release_pending_points()
    assert release_pending_points() == {"members": 0, "points": 0}
    assert LedgerEntry.objects.filter(kind="release").count() == 1


def test_a_purchase_refunded_during_its_window_releases_nothing(member, window):
    purchase = buy(member, 30, days_ago=20)
    refund_purchase(purchase_id=purchase.pk, amount="30.00")
    release_pending_points()
    assert not LedgerEntry.objects.filter(kind="release").exists()
    assert PointLot.objects.get(purchase=purchase).status == "available"
    assert (balance(member), pending(member)) == (0, 0)


def test_released_points_settle_a_debt_first(member, other_member, window):
    window.allow_negative_balance = True
    window.save()
    adjust_points(member_id=member.pk, points=40, reason="goodwill")
    refunded = buy(member, 40, days_ago=30, order_id="refunded")
    release_pending_points()
    redeem_points(member_id=member.pk, points=80)
    refund_purchase(purchase_id=refunded.pk, amount="40.00")
    assert balance(member) == -40
    buy(member, 25, days_ago=20, order_id="pays-debt")
    buy(other_member, 10, days_ago=20, order_id="other")

    release_pending_points()

    assert (balance(member), balance(other_member)) == (-15, 10)
    assert_ledger_consistent()


def test_many_members_are_released_in_a_handful_of_queries(django_assert_max_num_queries, window):
    members = MemberFactory.create_batch(40)
    for member in members:
        buy(member, 10, days_ago=20)
        buy(member, 5, days_ago=18)
    with django_assert_max_num_queries(12):
        result = release_pending_points()
    assert result == {"members": 40, "points": 600}
    assert_ledger_consistent()


def test_it_validates_ownership_a_release_moves_only_each_members_own_points(
    member, other_member, window
):
    buy(member, 30, days_ago=20)
    buy(other_member, 7, days_ago=1)
    release_pending_points()
    assert (balance(member), pending(member)) == (30, 0)
    assert (balance(other_member), pending(other_member)) == (0, 7)


def test_the_command_reports_what_it_released(member, window, capsys):
    buy(member, 30, days_ago=20)
    call_command("release_pending")
    assert "released 30 points for 1 members" in capsys.readouterr().out


def test_two_releases_at_the_same_time_release_each_point_once(transactional_db):
    skip_unless_postgresql()
    ProgramFactory(return_window_days=14)
    ChannelFactory(code="web")
    members = MemberFactory.create_batch(10)
    for member in members:
        buy(member, 10, days_ago=20)
    outcomes = race(2, lambda i: release_pending_points(batch_size=3))
    assert sum(result["points"] for _, result in outcomes) == 100
    assert LedgerEntry.objects.filter(kind="release").count() == 10
    assert set(Member.objects.values_list("points_balance", flat=True)) == {10}
    assert_ledger_consistent()
