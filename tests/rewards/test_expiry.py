"""Point expiry: the job expires exactly the points whose time has come, once."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from loyalty.dates import add_months
from members.models import Member
from rewards import tasks
from rewards.expiry.services import apply_expiry_policy_to_open_lots, expire_points
from rewards.models import ExpiryPolicyChange, LedgerEntry, LotMovement, PointLot, Program
from rewards.purchases.recording import record_purchase
from rewards.purchases.refunds import refund_purchase
from rewards.redemptions.services import cancel_redemption, redeem_points
from tests.factories import MemberFactory, UserFactory
from tests.helpers import assert_ledger_consistent, balance

pytestmark = pytest.mark.usefixtures("web")


def buy(member, amount, *, days_ago, order_id=None):
    """A purchase earning ``amount`` points, made ``days_ago`` days ago (12-month lifetime)."""
    return record_purchase(
        channel="web",
        order_id=order_id or f"{member.pk}-{days_ago}-{amount}",
        amount=f"{amount}.00",
        member_id=member.pk,
        purchased_at=timezone.now() - timedelta(days=days_ago),
    )


def expire_entries(member=None):
    entries = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.EXPIRE)
    return entries.filter(member=member) if member else entries


def test_points_past_their_expiry_date_expire_with_one_entry_per_member_and_day(member):
    old_a = buy(member, 30, days_ago=400)
    old_b = buy(member, 20, days_ago=380)
    buy(member, 50, days_ago=10)

    result = expire_points()

    assert result == {"members": 1, "points": 50, "lots": 2, "batches": 1}
    entries = list(expire_entries(member).order_by("effective_at"))
    assert [entry.points for entry in entries] == [-30, -20]
    expired_lots = [
        set(LotMovement.objects.filter(entry=entry).values_list("lot__purchase", flat=True))
        for entry in entries
    ]
    assert expired_lots == [{old_a.pk}, {old_b.pk}]
    assert [entry.effective_at for entry in entries] == [
        add_months(old_a.purchased_at, 12),
        add_months(old_b.purchased_at, 12),
    ]
    assert balance(member) == 50
    assert_ledger_consistent()


def test_a_late_run_dates_each_expiry_in_its_own_quarter(member):
    july = buy(member, 30, days_ago=500)  # due about 135 days ago
    october = buy(member, 20, days_ago=420)  # due about 55 days ago
    expire_points()  # one run, long after both
    dates = sorted(expire_entries(member).values_list("effective_at", flat=True))
    assert dates == [add_months(july.purchased_at, 12), add_months(october.purchased_at, 12)]


def test_lots_due_the_same_day_expire_in_one_entry(member):
    buy(member, 30, days_ago=400)
    buy(member, 20, days_ago=400)
    expire_points()
    assert expire_entries(member).get().points == -50


def test_points_not_yet_due_do_not_expire(member):
    buy(member, 40, days_ago=300)
    assert expire_points()["points"] == 0
    assert not expire_entries().exists()
    assert balance(member) == 40


def test_the_expire_entry_is_dated_when_the_points_expired(member):
    purchase = buy(member, 30, days_ago=400)
    expire_points()
    entry = expire_entries(member).get()
    assert entry.effective_at == add_months(purchase.purchased_at, 12)


def test_running_expiry_twice_expires_each_point_once(member):
    buy(member, 30, days_ago=400)
    expire_points()
    second = expire_points()
    assert second["points"] == 0
    assert expire_entries(member).count() == 1
    assert balance(member) == 0
    assert_ledger_consistent()


def test_the_same_run_repeated_with_the_same_cut_off_applies_once(member):
    buy(member, 30, days_ago=400)
    as_of = timezone.now()
    expire_points(as_of=as_of)
    assert expire_points(as_of=as_of)["points"] == 0
    assert expire_entries(member).count() == 1


def test_only_the_unspent_part_of_a_lot_expires(member):
    buy(member, 100, days_ago=400)
    # The lot is past its date: age it differently so that 60 points can still be spent.
    PointLot.objects.update(expires_at=timezone.now() + timedelta(days=1))
    redeem_points(member_id=member.pk, points=60)
    PointLot.objects.update(expires_at=timezone.now() - timedelta(days=1))

    expire_points()

    assert expire_entries(member).get().points == -40
    assert balance(member) == 0
    assert_ledger_consistent()


def test_debt_lots_never_expire(member, program):
    program.allow_negative_balance = True
    program.save()
    purchase = buy(member, 100, days_ago=400)
    PointLot.objects.update(expires_at=None)
    redeem_points(member_id=member.pk, points=100)
    refund_purchase(purchase_id=purchase.pk, amount="100.00")
    PointLot.objects.update(expires_at=timezone.now() - timedelta(days=1))
    assert balance(member) == -100

    assert expire_points()["points"] == 0
    assert balance(member) == -100
    assert_ledger_consistent()


def test_pending_points_do_not_expire_until_released(member, program):
    program.return_window_days = 30
    program.save()
    buy(member, 25, days_ago=1)
    PointLot.objects.update(expires_at=timezone.now() - timedelta(days=1))
    assert expire_points()["points"] == 0
    assert Member.objects.get(pk=member.pk).pending_points == 25


def test_points_given_back_to_an_expired_lot_expire_on_the_next_run(member):
    buy(member, 100, days_ago=300)
    redemption = redeem_points(member_id=member.pk, points=70)
    PointLot.objects.update(expires_at=timezone.now() - timedelta(days=1))
    expire_points()
    cancel_redemption(redemption_id=redemption.pk, reason="customer changed mind")

    expire_points()

    assert list(expire_entries(member).order_by("pk").values_list("points", flat=True)) == [
        -30,
        -70,
    ]
    assert balance(member) == 0
    assert_ledger_consistent()


def test_a_large_run_costs_a_handful_of_queries_per_batch(django_assert_max_num_queries, program):
    members = MemberFactory.create_batch(30)
    for member in members:
        for days in (400, 390, 380):
            buy(member, 10, days_ago=days)
    with django_assert_max_num_queries(20):
        result = expire_points(batch_size=1000)
    assert (result["members"], result["lots"], result["points"]) == (30, 90, 900)
    assert_ledger_consistent()


def test_small_batches_expire_the_same_points(program):
    members = MemberFactory.create_batch(5)
    for member in members:
        buy(member, 10, days_ago=400)
    result = expire_points(batch_size=2)
    assert (result["members"], result["points"], result["batches"]) == (5, 50, 3)
    assert_ledger_consistent()


def test_it_validates_ownership_one_members_expiry_leaves_another_untouched(member, other_member):
    buy(member, 30, days_ago=400)
    buy(other_member, 30, days_ago=100)
    expire_points()
    assert (balance(member), balance(other_member)) == (0, 30)
    assert not expire_entries(other_member).exists()


# ---------------------------------------------------------------- inactivity policy


@pytest.fixture
def inactivity(program):
    program.expiry_policy = Program.Expiry.INACTIVITY
    program.expiry_months = 6
    program.save()
    return program


def test_inactivity_expires_the_whole_balance_after_months_without_activity(member, inactivity):
    buy(member, 30, days_ago=300)
    buy(member, 20, days_ago=200)
    assert PointLot.objects.filter(expires_at__isnull=False).count() == 0

    result = expire_points()

    assert (result["members"], result["points"]) == (1, 50)
    assert balance(member) == 0
    assert_ledger_consistent()


def test_any_recent_earning_keeps_the_whole_balance_alive(member, inactivity):
    buy(member, 30, days_ago=300)
    buy(member, 20, days_ago=10)
    assert expire_points()["points"] == 0
    assert balance(member) == 50


def test_a_recent_redemption_resets_the_inactivity_clock(member, inactivity):
    buy(member, 300, days_ago=300)
    redeem_points(member_id=member.pk, points=100)
    assert expire_points()["points"] == 0
    assert balance(member) == 200


def test_the_inactivity_expiry_is_dated_at_the_end_of_the_inactive_period(member, inactivity):
    purchase = buy(member, 30, days_ago=300)
    expire_points()
    assert expire_entries(member).get().effective_at == add_months(purchase.purchased_at, 6)


# ---------------------------------------------------------------- policy changes


def test_a_policy_change_applies_to_future_lots_only(member, program):
    buy(member, 30, days_ago=10, order_id="before")
    program.expiry_policy = Program.Expiry.NEVER
    program.save()
    buy(member, 30, days_ago=5, order_id="after")
    dates = dict(PointLot.objects.values_list("purchase__order_id", "expires_at"))
    assert dates["before"] is not None and dates["after"] is None


def test_applying_the_policy_to_open_lots_recomputes_their_dates_and_is_recorded(member, program):
    purchase = buy(member, 30, days_ago=10)
    program.expiry_months = 24
    program.save()
    staff = UserFactory(is_staff=True)

    change = apply_expiry_policy_to_open_lots(user=staff)

    lot = PointLot.objects.get()
    assert lot.expires_at == add_months(purchase.purchased_at, 24)
    assert (change.policy, change.months, change.lots_updated, change.applied_by) == (
        "fixed",
        24,
        1,
        staff,
    )
    assert balance(member) == 30  # no points change


def test_applying_the_never_policy_clears_the_dates_of_open_lots_only(member, program):
    buy(member, 30, days_ago=10, order_id="open")
    buy(member, 30, days_ago=9, order_id="spent")
    PointLot.objects.filter(purchase__order_id="spent").update(remaining=0)
    program.expiry_policy = Program.Expiry.NEVER
    program.save()
    apply_expiry_policy_to_open_lots()
    dates = dict(PointLot.objects.values_list("purchase__order_id", "expires_at"))
    assert dates["open"] is None and dates["spent"] is not None
    assert ExpiryPolicyChange.objects.get().policy == "never"


def test_a_shorter_lifetime_applied_to_open_lots_makes_them_due(member, program):
    buy(member, 30, days_ago=100)
    program.expiry_months = 3
    program.save()
    apply_expiry_policy_to_open_lots()
    assert expire_points()["points"] == 30


# ---------------------------------------------------------------- command and task


def test_the_dry_run_reports_points_and_members_and_changes_nothing(member, other_member, capsys):
    buy(member, 30, days_ago=400)
    buy(other_member, 12, days_ago=400)
    call_command("expire_points", "--dry-run")
    assert "42 points of 2 members (2 lots) would expire" in capsys.readouterr().out
    assert not expire_entries().exists()
    assert balance(member) == 30


def test_the_command_expires_as_of_a_past_date(member, capsys):
    purchase = buy(member, 30, days_ago=400)
    buy(member, 5, days_ago=370)
    as_of = add_months(purchase.purchased_at, 12) + timedelta(days=1)
    call_command("expire_points", "--as-of", as_of.date().isoformat())
    assert "expired 30 points of 1 members" in capsys.readouterr().out
    assert balance(member) == 5


def test_the_command_refuses_a_bad_date_in_one_line(member):
    with pytest.raises(CommandError, match="--as-of must be a date"):
        call_command("expire_points", "--as-of", "yesterday")


def test_the_command_refuses_a_future_date(member):
    future = (timezone.now() + timedelta(days=3)).date().isoformat()
    with pytest.raises(CommandError, match="future"):
        call_command("expire_points", "--as-of", future)


def test_the_task_expires_points_and_returns_the_counts(member):
    buy(member, 30, days_ago=400)
    result = tasks.expire_points.delay().get()
    assert result["points"] == 30
    assert balance(member) == 0


def test_the_task_takes_a_cut_off_as_an_iso_string(member):
    buy(member, 30, days_ago=400)
    as_of = (timezone.now() - timedelta(days=60)).isoformat()
    assert tasks.expire_points.delay(as_of).get()["points"] == 0
    assert balance(member) == 30
