"""Tiers: upgrade on crossing a threshold, downgrade only at re-evaluation, grace, pins, paid."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from loyalty.dates import add_months
from loyalty.errors import ApplicationError
from members import selectors, signals
from members.models import Member, Tier, TierChange
from rewards.expiry.release import release_pending_points
from rewards.purchases.recording import record_purchase
from rewards.purchases.refunds import refund_purchase
from rewards.redemptions.services import redeem_points
from rewards.tiers import measures
from rewards.tiers import selectors as tier_selectors
from rewards.tiers import services as tiers
from tests.factories import MemberFactory, TierFactory, UserFactory
from tests.helpers import assert_ledger_consistent, balance

pytestmark = pytest.mark.usefixtures("web")


@pytest.fixture
def ladder(program):
    regular = TierFactory(name="Regular", rank=0, threshold=Decimal("0"))
    silver = TierFactory(name="Silver", rank=1, threshold=Decimal("100"), earn_multiplier="2")
    gold = TierFactory(name="Gold", rank=2, threshold=Decimal("1000"), earn_multiplier="3")
    return regular, silver, gold


def buy(member, amount, order_id, **kwargs):
    return record_purchase(
        channel="web", order_id=order_id, amount=amount, member_id=member.pk, **kwargs
    )


def tier_of(member):
    return Member.objects.get(pk=member.pk).tier


def next_year_start(years=1):
    start = measures.year_start(timezone.now())
    return start.replace(year=start.year + years)


def test_a_member_reaching_the_threshold_exactly_is_upgraded(member, ladder):
    buy(member, "100.00", "A1")
    assert tier_of(member).name == "Silver"


def test_a_member_one_point_below_the_threshold_is_not_upgraded(member, ladder):
    buy(member, "99.99", "A1")
    assert tier_of(member).name == "Regular"


def test_the_upgrading_purchase_earns_at_the_old_rate_and_the_next_at_the_new(member, ladder):
    first = buy(member, "100.00", "A1")
    second = buy(member, "10.00", "A2")
    assert first.points_earned == 100
    assert second.points_earned == 20
    assert any(row["rule"].startswith("Tier Silver x2") for row in second.earn_breakdown)
    assert_ledger_consistent()


def test_an_upgrade_is_recorded_and_signalled(member, ladder):
    seen = []

    def listener(sender, member, from_tier, to_tier, reason, **kwargs):
        seen.append((from_tier.name if from_tier else None, to_tier.name, reason))

    signals.tier_changed.connect(listener)
    try:
        buy(member, "150.00", "A1")
    finally:
        signals.tier_changed.disconnect(listener)
    assert seen == [(None, "Silver", "upgrade")]  # the first change: straight to Silver
    change = TierChange.objects.get(member=member, to_tier__name="Silver")
    assert change.reason == TierChange.Reason.UPGRADE
    assert change.measure_value == Decimal("150")


def test_a_member_can_skip_a_tier(member, ladder):
    buy(member, "1000.00", "A1")
    assert tier_of(member).name == "Gold"


def test_pending_points_do_not_count_until_released(member, ladder, program):
    program.return_window_days = 14
    program.save()
    buy(member, "100.00", "A1")
    assert tier_of(member).name == "Regular"
    release_pending_points(now=timezone.now() + timedelta(days=15))
    assert tier_of(member).name == "Silver"


def test_spending_points_never_demotes(member, ladder):
    buy(member, "100.00", "A1")
    redeem_points(member_id=member.pk, points=100)
    assert balance(member) == 0
    tiers.evaluate_tiers(as_of=timezone.now() + timedelta(minutes=10))
    assert tier_of(member).name == "Silver"


def test_the_spend_measure_counts_what_was_paid_less_refunds(member, program):
    TierFactory(name="Spender", rank=1, measure="spend", threshold=Decimal("50.00"))
    purchase = buy(member, "60.00", "A1")
    refund_purchase(purchase_id=purchase.pk, amount="20.00")
    values = measures.measure_values(
        [member.pk], measure="spend", start=measures.year_start(timezone.now()), end=None
    )
    assert values[member.pk] == Decimal("40.00")
    assert tier_of(member).name == "Spender"  # the upgrade happened on the purchase


def test_the_orders_measure_upgrades_on_the_nth_order(member, program):
    TierFactory(name="Regular buyer", rank=1, measure="orders", threshold=Decimal("3"))
    buy(member, "5.00", "A1")
    buy(member, "5.00", "A2")
    assert tier_of(member) is None
    buy(member, "5.00", "A3")
    assert tier_of(member).name == "Regular buyer"


def test_a_tier_reached_this_year_is_kept_through_the_next_year(member, ladder):
    buy(member, "100.00", "A1")
    result = tiers.evaluate_tiers(as_of=next_year_start() + timedelta(days=200))
    assert result["downgrades"] == 0
    assert tier_of(member).name == "Silver"


def test_a_member_who_no_longer_qualifies_drops_at_re_evaluation(member, ladder):
    buy(member, "100.00", "A1")
    result = tiers.evaluate_tiers(as_of=next_year_start(2) + timedelta(days=1))
    assert result["downgrades"] == 1
    assert tier_of(member).name == "Regular"
    change = TierChange.objects.filter(member=member).first()
    assert (change.from_tier.name, change.reason) == ("Silver", TierChange.Reason.DOWNGRADE)


def test_no_downgrade_happens_outside_re_evaluation(member, ladder):
    purchase = buy(member, "100.00", "A1")
    refund_purchase(purchase_id=purchase.pk, amount="100.00")
    assert tier_of(member).name == "Silver"


def test_a_tier_reached_this_period_is_not_dropped_before_the_period_ends(member, ladder):
    purchase = buy(member, "100.00", "A1")
    refund_purchase(purchase_id=purchase.pk, amount="100.00")
    tiers.evaluate_tiers(as_of=timezone.now() + timedelta(minutes=10))
    assert tier_of(member).name == "Silver"


def test_a_downgrade_with_grace_keeps_the_tier_for_the_grace_months(member, ladder):
    silver = ladder[1]
    silver.grace_months = 3
    silver.save()
    buy(member, "100.00", "A1")
    failed_at = next_year_start(2)
    result = tiers.evaluate_tiers(as_of=failed_at + timedelta(days=1))
    refreshed = Member.objects.get(pk=member.pk)
    assert (refreshed.tier.name, result["grace_started"]) == ("Silver", 1)
    assert refreshed.tier_grace_until == add_months(failed_at, 3)
    tiers.evaluate_tiers(as_of=failed_at + timedelta(days=80))
    assert tier_of(member).name == "Silver"
    tiers.evaluate_tiers(as_of=add_months(failed_at, 3))
    assert tier_of(member).name == "Regular"
    assert TierChange.objects.filter(member=member).first().reason == "grace_ended"


def test_a_member_qualifying_again_during_grace_leaves_grace(member, ladder):
    silver = ladder[1]
    silver.grace_months = 3
    silver.save()
    member.tier, member.tier_since = silver, timezone.now() - timedelta(days=800)
    member.tier_grace_until = timezone.now() + timedelta(days=30)
    member.save()
    buy(member, "100.00", "A1")
    tiers.evaluate_tiers(as_of=timezone.now() + timedelta(minutes=10))
    refreshed = Member.objects.get(pk=member.pk)
    assert (refreshed.tier.name, refreshed.tier_grace_until) == ("Silver", None)


def test_re_evaluation_run_twice_gives_the_same_result(member, other_member, ladder):
    buy(member, "100.00", "A1")
    as_of = next_year_start(2) + timedelta(days=1)
    first = tiers.evaluate_tiers(as_of=as_of)
    tiers_after_first = list(Member.objects.order_by("pk").values_list("pk", "tier_id"))
    changes = TierChange.objects.count()
    second = tiers.evaluate_tiers(as_of=as_of)
    assert first["downgrades"] == 1
    assert second == {**first, "upgrades": 0, "downgrades": 0, "grace_started": 0}
    assert list(Member.objects.order_by("pk").values_list("pk", "tier_id")) == tiers_after_first
    assert TierChange.objects.count() == changes


def test_rolling_tiers_drop_twelve_months_after_the_last_qualifying_activity(member, program):
    TierFactory(name="Rolling", rank=1, period="rolling_12", threshold=Decimal("100"))
    buy(member, "100.00", "A1")
    now = timezone.now()
    tiers.evaluate_tiers(as_of=now + timedelta(days=360))
    assert tier_of(member).name == "Rolling"
    tiers.evaluate_tiers(as_of=now + timedelta(days=370))
    assert tier_of(member) is None


def test_evaluation_measures_a_batch_in_a_constant_number_of_queries(
    ladder, django_assert_max_num_queries
):
    MemberFactory.create_batch(40)
    as_of = timezone.now() + timedelta(minutes=1)
    tiers.evaluate_tiers(as_of=as_of)  # gives everyone the base tier
    with django_assert_max_num_queries(8):
        result = tiers.evaluate_tiers(as_of=as_of, batch_size=500)
    assert result["members"] == 40


def test_a_pinned_tier_is_left_alone_by_evaluation(member, ladder):
    staff = UserFactory(is_staff=True)
    change = tiers.pin_tier(
        member_id=member.pk, tier_id=ladder[2].pk, reason="Celebrity customer", user=staff
    )
    assert (change.reason, change.created_by, change.note) == (
        "pinned",
        staff,
        "Celebrity customer",
    )
    tiers.evaluate_tiers(as_of=next_year_start(2))
    assert tier_of(member).name == "Gold"


def test_pinning_a_tier_needs_a_reason(member, ladder):
    with pytest.raises(ApplicationError, match="reason"):
        tiers.pin_tier(member_id=member.pk, tier_id=ladder[2].pk, reason=" ")
    assert tier_of(member) is None


def test_an_unpinned_member_follows_evaluation_again(member, ladder):
    tiers.pin_tier(member_id=member.pk, tier_id=ladder[2].pk, reason="Trial")
    tiers.unpin_tier(member_id=member.pk, reason="Trial over")
    Member.objects.filter(pk=member.pk).update(tier_since=timezone.now() - timedelta(days=800))
    tiers.evaluate_tiers(as_of=timezone.now() + timedelta(minutes=1))
    assert tier_of(member).name == "Regular"


@pytest.fixture
def club(program):
    return TierFactory(
        name="Club", rank=5, is_paid=True, fee=Decimal("49.00"), term_months=12, threshold=0
    )


def test_a_paid_tier_records_the_fee_and_the_term(member, ladder, club):
    change = tiers.assign_paid_tier(member_id=member.pk, tier_id=club.pk, fee=Decimal("49.00"))
    refreshed = Member.objects.get(pk=member.pk)
    assert (refreshed.tier, change.fee, change.reason) == (club, Decimal("49.00"), "paid")
    assert refreshed.tier_paid_until == add_months(change.created_at, 12)


def test_a_paid_tier_ends_when_its_term_ends(member, ladder, club):
    change = tiers.assign_paid_tier(member_id=member.pk, tier_id=club.pk, fee=Decimal("49.00"))
    tiers.evaluate_tiers(as_of=change.paid_until - timedelta(days=1))
    assert tier_of(member) == club
    result = tiers.evaluate_tiers(as_of=change.paid_until)
    assert (tier_of(member).name, result["paid_ended"]) == ("Regular", 1)


def test_a_paid_tier_is_never_reached_by_qualifying(member, ladder, club):
    buy(member, "5000.00", "A1")
    assert tier_of(member).name == "Gold"


def test_only_a_paid_tier_can_be_assigned_for_a_fee(member, ladder):
    with pytest.raises(ApplicationError) as exc:
        tiers.assign_paid_tier(member_id=member.pk, tier_id=ladder[1].pk, fee=Decimal("10"))
    assert exc.value.code == "not_a_paid_tier"
    assert not TierChange.objects.filter(member=member).exists()


def test_progress_shows_what_the_next_tier_needs_and_by_when(member, ladder):
    buy(member, "40.00", "A1")
    progress = tier_selectors.tier_progress(Member.objects.get(pk=member.pk))
    assert progress.tier_name == "Regular"
    assert progress.next_tier.name == "Silver"
    assert (progress.value, progress.missing) == (Decimal("40"), Decimal("60"))
    assert progress.by == next_year_start()


def test_progress_at_the_top_tier_has_no_next_tier(member, ladder):
    buy(member, "1000.00", "A1")
    progress = tier_selectors.tier_progress(Member.objects.get(pk=member.pk))
    assert (progress.tier_name, progress.next_tier) == ("Gold", None)
    assert progress.earn_multiplier == Decimal("3")


def test_it_validates_ownership_of_tier_measures(member, other_member, ladder):
    buy(member, "500.00", "A1")
    assert tier_of(other_member) is None
    progress = tier_selectors.tier_progress(other_member)
    assert progress.value == 0
    assert list(selectors.tier_history(other_member)) == []


def test_the_command_evaluates_as_of_a_date(member, ladder, capsys):
    buy(member, "100.00", "A1")
    day = (next_year_start(2) + timedelta(days=1)).date()
    call_command("evaluate_tiers", "--as-of", day.isoformat())
    assert "1 down" in capsys.readouterr().out
    assert tier_of(member).name == "Regular"


def test_the_command_refuses_a_bad_date_in_one_line(ladder):
    with pytest.raises(CommandError, match="--as-of must be a date"):
        call_command("evaluate_tiers", "--as-of", "yesterday")


def test_the_task_evaluates_tiers(member, ladder):
    from rewards.tasks import evaluate_tiers

    result = evaluate_tiers.delay().get()
    assert result["upgrades"] == 1  # the base tier for a member without one
    assert tier_of(member) == Tier.objects.get(name="Regular")


def test_progress_says_a_tier_reached_this_year_is_kept_to_the_end_of_next_year(member, ladder):
    buy(member, "100.00", "A1")
    progress = tier_selectors.tier_progress(Member.objects.get(pk=member.pk))
    assert (progress.tier_name, progress.keeps_until) == ("Silver", next_year_start(2))


def test_a_late_refund_does_not_drop_a_member_until_the_next_period_ends(member, program):
    TierFactory(name="Regular", rank=0, threshold=Decimal("0"))
    TierFactory(name="Spender", rank=1, measure="spend", threshold=Decimal("100"))
    this_year = measures.year_start(timezone.now())
    purchase = buy(member, "150.00", "A1", purchased_at=this_year - timedelta(days=10))
    Member.objects.filter(pk=member.pk).update(tier_since=this_year - timedelta(days=5))
    as_of = timezone.now() + timedelta(minutes=1)
    tiers.evaluate_tiers(as_of=as_of)  # the review of last year: qualified, kept
    refund_purchase(purchase_id=purchase.pk, amount="100.00")
    assert tiers.evaluate_tiers(as_of=as_of)["downgrades"] == 0
    assert tier_of(member).name == "Spender"
    tiers.evaluate_tiers(as_of=next_year_start() + timedelta(days=1))
    assert tier_of(member).name == "Regular"
