"""Staff in the admin: every page opens, forms call the services, a reason is mandatory."""

import pytest
from django.urls import reverse

from rewards.adjustments.services import adjust_points
from rewards.models import LedgerEntry, Purchase, Redemption
from rewards.purchases.recording import record_purchase
from rewards.redemptions.services import redeem_reward
from tests.factories import EarnRuleFactory, RewardFactory, UserFactory
from tests.helpers import balance

pytestmark = pytest.mark.usefixtures("web")


@pytest.fixture
def staff_client(client, program):
    staff = UserFactory(email="staff@example.com", is_staff=True, is_superuser=True)
    client.force_login(staff)
    client.staff = staff
    return client


@pytest.mark.parametrize(
    "model",
    [
        "members/member",
        "members/user",
        "rewards/program",
        "rewards/channel",
        "rewards/earnrule",
        "rewards/purchase",
        "rewards/reward",
        "rewards/redemption",
        "rewards/ledgerentry",
        "rewards/pointlot",
    ],
)
def test_every_changelist_opens(staff_client, member, model):
    record_purchase(channel="web", order_id="1", amount="10.00", member_id=member.pk)
    EarnRuleFactory()
    RewardFactory()
    response = staff_client.get(f"/admin/{model}/")
    assert response.status_code == 200


def test_member_page_shows_balance_lots_and_history(staff_client, member):
    record_purchase(channel="web", order_id="O-77", amount="10.00", member_id=member.pk)
    response = staff_client.get(reverse("admin:members_member_change", args=[member.pk]))
    assert response.status_code == 200
    assert b"Purchase #O-77" in response.content
    assert b"Adjust points" in response.content


def test_staff_adjustment_records_the_staff_user_and_reason(staff_client, member):
    url = reverse("admin:members_member_adjust", args=[member.pk])
    response = staff_client.post(url, {"points": "25", "reason": "Lost receipt"})
    assert response.status_code == 302
    entry = LedgerEntry.objects.get(member=member)
    assert (entry.points, entry.reason, entry.created_by) == (
        25,
        "Lost receipt",
        staff_client.staff,
    )


def test_staff_adjustment_without_a_reason_is_refused(staff_client, member):
    url = reverse("admin:members_member_adjust", args=[member.pk])
    response = staff_client.post(url, {"points": "25", "reason": ""})
    assert response.status_code == 200
    assert b"This field is required" in response.content
    assert balance(member) == 0


def test_staff_adjustment_beyond_the_balance_shows_the_reason(staff_client, member):
    url = reverse("admin:members_member_adjust", args=[member.pk])
    response = staff_client.post(url, {"points": "-5", "reason": "oops"})
    assert b"Cannot remove 5 points" in response.content


def test_staff_records_a_purchase_and_sees_points_by_rule(staff_client, member):
    EarnRuleFactory(name="Double everything")
    response = staff_client.post(
        reverse("admin:rewards_purchase_add"),
        {
            "channel": "web",
            "order_id": "S-1",
            "member_email": member.email.upper(),
            "amount": "12.00",
            "shipping_amount": "2.00",
            "tax_amount": "0",
            "currency": "",
            "purchased_at": "2026-01-05 10:00",
        },
    )
    assert response.status_code == 302, response.content
    purchase = Purchase.objects.get(order_id="S-1")
    assert purchase.points_earned == 20
    page = staff_client.get(reverse("admin:rewards_purchase_change", args=[purchase.pk]))
    assert b"Double everything" in page.content


def test_staff_sees_a_duplicate_order_as_an_error(staff_client, member):
    record_purchase(channel="web", order_id="S-1", amount="10.00", member_id=member.pk)
    response = staff_client.post(
        reverse("admin:rewards_purchase_add"),
        {
            "channel": "web",
            "order_id": "S-1",
            "amount": "12.00",
            "shipping_amount": "0",
            "tax_amount": "0",
            "purchased_at": "2026-01-05 10:00",
        },
    )
    assert response.status_code == 200
    assert b"already recorded" in response.content


def test_staff_refunds_a_purchase(staff_client, member):
    purchase = record_purchase(channel="web", order_id="R-1", amount="40.00", member_id=member.pk)
    response = staff_client.post(
        reverse("admin:rewards_purchase_refund", args=[purchase.pk]),
        {"amount": "10.00", "reason": "returned mug"},
    )
    assert response.status_code == 302
    assert balance(member) == 30


def test_staff_cancels_a_redemption_with_a_reason(staff_client, member):
    record_purchase(channel="web", order_id="R-1", amount="400.00", member_id=member.pk)
    redemption = redeem_reward(member_id=member.pk, reward_id=RewardFactory().pk)
    response = staff_client.post(
        reverse("admin:rewards_redemption_cancel", args=[redemption.pk]),
        {"reason": "customer changed mind"},
    )
    assert response.status_code == 302
    redemption.refresh_from_db()
    assert redemption.status == Redemption.Status.CANCELLED
    assert balance(member) == 400


def test_ledger_entries_cannot_be_changed_in_the_admin(staff_client, member):
    entry = adjust_points(member_id=member.pk, points=5, reason="x")
    response = staff_client.post(
        reverse("admin:rewards_ledgerentry_change", args=[entry.pk]), {"points": "500"}
    )
    assert response.status_code == 403
    assert balance(member) == 5


def test_it_validates_ownership_members_cannot_reach_the_admin(client, member):
    user = UserFactory(email="plain@example.com")
    client.force_login(user)
    response = client.get(reverse("admin:members_member_change", args=[member.pk]))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
