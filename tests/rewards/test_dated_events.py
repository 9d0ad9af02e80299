"""Events dated when they happened: redemptions, cancellations, adjustments, actions, refunds;
and the allocation of a sale to its points, fixed when it is recorded, in Decimal."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from loyalty.errors import ApplicationError
from reporting import services as finance
from rewards.actions.services import record_action
from rewards.adjustments.services import adjust_or_request, approve_adjustment
from rewards.models import ActionRule, LedgerEntry, Program, Purchase
from rewards.purchases import allocation
from rewards.purchases.recording import record_purchase
from rewards.purchases.refunds import refund_purchase
from rewards.redemptions.services import cancel_redemption, redeem_points, redeem_reward
from tests.factories import RewardFactory
from tests.helpers import assert_ledger_consistent, balance
from tests.reporting.helpers import moment

pytestmark = pytest.mark.usefixtures("web")


def buy(member, amount="1000.00", when=None, order_id="A1"):
    return record_purchase(
        channel="web",
        order_id=order_id,
        amount=amount,
        member_id=member.pk,
        purchased_at=when or moment(2025, 3, 1),
    )


@pytest.fixture
def whole_point(program):
    """1 point per 10.00, a point worth 1.00: no estimate recorded (rate 1)."""
    program.point_value = Decimal("1")
    program.earn_per_amount = Decimal("10.00")
    program.expiry_policy = Program.Expiry.NEVER
    program.save()
    return program


def test_a_sale_at_a_whole_point_value_is_allocated_in_decimal(whole_point, member):
    purchase = buy(member)
    purchase.refresh_from_db()
    # 1,000 x 100 / 1,100 = 90.909...: never 90.00 from an integer division (SQLite)
    assert purchase.allocated_to_points == Decimal("90.91")
    assert (purchase.allocation_rate, purchase.allocation_estimate_id) == (Decimal("1"), None)
    assert purchase.allocation_point_value == Decimal("1.0000")


def test_a_sale_keeps_the_estimate_of_its_day(whole_point, member):
    estimate = finance.record_redemption_rate(rate="0.9", effective_from=date(2025, 1, 1))
    purchase = buy(member)
    finance.record_redemption_rate(rate="0.5", effective_from=date(2025, 3, 2))
    purchase.refresh_from_db()
    assert purchase.allocation_estimate_id == estimate.pk
    assert purchase.allocated_to_points == Decimal("82.57")  # 1,000 x 90 / 1,090


def test_partial_refunds_take_back_exactly_the_allocation(whole_point, member):
    purchase = buy(member, amount="1000.00")
    shares = [
        refund_purchase(
            purchase_id=purchase.pk, amount=amount, refunded_at=moment(2025, 3, 2)
        ).allocated_to_points
        for amount in ("333.33", "333.33", "333.34")
    ]
    assert sum(shares) == Decimal("90.91")


def test_the_migration_allocates_existing_sales_as_the_reports_did(whole_point, member):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("rewards.migrations.0012_allocation_at_sale")
    purchase = buy(member)
    refund = refund_purchase(
        purchase_id=purchase.pk, amount="500.00", refunded_at=moment(2025, 3, 2)
    )
    Purchase.objects.filter(pk=purchase.pk).update(allocated_to_points=0, allocation_rate=None)
    migration.allocate_existing(apps, None)
    purchase.refresh_from_db()
    refund.refresh_from_db()
    assert (purchase.allocated_to_points, purchase.allocation_rate) == (Decimal("90.91"), 1)
    assert refund.allocated_to_points == Decimal("45.46")  # 90.91 x 500 / 1,000, to the cent


def test_a_redemption_is_dated_when_it_happened(whole_point, member):
    buy(member)
    reward = RewardFactory(points_cost=40)
    redemption = redeem_reward(
        member_id=member.pk, reward_id=reward.pk, effective_at=moment(2025, 3, 5)
    )
    entry = LedgerEntry.objects.get(redemption=redemption)
    assert (redemption.created_at, entry.effective_at) == (moment(2025, 3, 5), moment(2025, 3, 5))


def test_a_redemption_in_the_future_or_before_the_earliest_date_is_refused(whole_point, member):
    buy(member)
    with pytest.raises(ApplicationError, match="cannot be in the future"):
        redeem_points(
            member_id=member.pk, points=10, effective_at=timezone.now() + timedelta(days=1)
        )
    with pytest.raises(ApplicationError, match="cannot be before 2000-01-01"):
        redeem_points(member_id=member.pk, points=10, effective_at=moment(1999, 12, 31))
    assert balance(member) == 100


def test_a_cancellation_is_dated_and_never_before_its_redemption(whole_point, member):
    buy(member)
    redemption = redeem_points(member_id=member.pk, points=30, effective_at=moment(2025, 3, 5))
    with pytest.raises(ApplicationError, match="cannot be before the redemption"):
        cancel_redemption(redemption_id=redemption.pk, effective_at=moment(2025, 3, 4))
    cancel_redemption(redemption_id=redemption.pk, effective_at=moment(2025, 3, 6))
    entry = LedgerEntry.objects.get(kind=LedgerEntry.Kind.REDEEM_CANCEL)
    assert entry.effective_at == moment(2025, 3, 6)
    assert balance(member) == 100
    assert_ledger_consistent()


def test_a_refund_cannot_be_dated_before_its_purchase(whole_point, member):
    purchase = buy(member)
    with pytest.raises(ApplicationError, match="cannot be before the purchase"):
        refund_purchase(purchase_id=purchase.pk, amount="10.00", refunded_at=moment(2025, 2, 28))


def test_an_action_is_dated_when_it_happened(whole_point, member):
    ActionRule.objects.create(name="Review", code="review", points=25)
    entry = record_action(member_id=member.pk, code="review", occurred_at=moment(2025, 4, 1))
    assert entry.effective_at == moment(2025, 4, 1)


def test_a_back_dated_redemption_spends_points_that_expired_since(program, member):
    program.expiry_policy, program.expiry_months = Program.Expiry.FIXED, 1
    program.save()
    buy(member, amount="50.00", when=moment(2025, 3, 1))  # expires 2025-04-01
    redemption = redeem_points(member_id=member.pk, points=50, effective_at=moment(2025, 3, 20))
    assert redemption.points == 50
    with pytest.raises(ApplicationError, match="not enough points"):
        redeem_points(member_id=member.pk, points=1)


def test_it_validates_ownership_a_dated_redemption_takes_only_the_members_points(
    whole_point, member, other_member
):
    buy(member)
    buy(other_member, order_id="B1")
    with pytest.raises(ApplicationError, match="not enough points"):
        redeem_points(member_id=member.pk, points=150, effective_at=moment(2025, 3, 5))
    assert (balance(member), balance(other_member)) == (100, 100)


def test_the_rate_in_force_is_the_latest_recorded_on_its_day():
    rates = (
        allocation.Rate(date(2025, 1, 1), Decimal("0.9"), 1),
        allocation.Rate(date(2025, 6, 1), Decimal("0.8"), 3),
    )
    assert allocation.rate_on(rates, date(2024, 12, 31)).estimate_id is None
    assert allocation.rate_on(rates, date(2025, 5, 31)).rate == Decimal("0.9")
    assert allocation.rate_on(rates, date(2025, 6, 1)).rate == Decimal("0.8")


def test_a_large_adjustment_is_dated_when_it_happened_though_approved_later(member):
    from django.contrib.auth.models import Permission

    from tests.factories import UserFactory

    requester = UserFactory(email="req@example.com", is_staff=True, is_superuser=True)
    approver = UserFactory(email="app@example.com", is_staff=True)
    approver.user_permissions.add(Permission.objects.get(codename="approve_adjustmentrequest"))
    request = adjust_or_request(
        member_id=member.pk,
        points=20_000,
        note="a till's lost day",
        user=requester,
        effective_at=moment(2025, 3, 3),
    )
    approved = approve_adjustment(request_id=request.pk, user=approver)
    assert approved.entry.effective_at == moment(2025, 3, 3)


def test_staff_date_an_adjustment_in_the_admin(member, client):
    from django.urls import reverse

    from tests.factories import UserFactory

    client.force_login(UserFactory(email="staff@example.com", is_staff=True, is_superuser=True))
    url = reverse("admin:members_member_adjust", args=[member.pk])
    response = client.post(
        url,
        {"points": "25", "reason": "till offline", "effective_at": "2025-03-04 09:30"},
    )
    assert response.status_code == 302, response.content
    entry = LedgerEntry.objects.get(member=member)
    assert timezone.localtime(entry.effective_at).strftime("%Y-%m-%d %H:%M") == "2025-03-04 09:30"
