"""The till screen: look a member up, record a purchase with lines, redeem, accept a code."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from rewards.adjustments.services import adjust_points
from rewards.models import LedgerEntry, Purchase, Redemption
from rewards.purchases.recording import record_purchase
from rewards.redemptions.services import redeem_points, redeem_reward
from tests.factories import MemberFactory, RewardFactory, TierFactory, UserFactory

pytestmark = pytest.mark.usefixtures("web")


def staff_with(client, *codenames):
    user = UserFactory(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client.force_login(user)
    return client


@pytest.fixture
def cashier(client, program):
    return staff_with(client, "add_purchase", "add_redemption", "change_redemption")


@pytest.fixture
def customer(program):
    member = MemberFactory(email="anna@example.com", first_name="Anna", last_name="Berg")
    adjust_points(member_id=member.pk, points=300, reason="welcome")
    return member


def follow_messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def test_staff_without_a_till_permission_is_refused(client, program):
    staff_with(client, "view_purchase")
    assert client.get(reverse("till")).status_code == 403


def test_a_visitor_is_sent_to_the_admin_login(client, program):
    response = client.get(reverse("till"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_scanning_the_card_shows_the_member_balance_and_tier(cashier, customer):
    customer.tier = TierFactory(name="Silver")
    customer.save(update_fields=["tier"])
    response = cashier.get(reverse("till"), {"q": customer.card_code})
    page = response.content.decode()
    assert "Anna Berg" in page
    assert "300 points" in page
    assert "Silver" in page


@pytest.mark.parametrize("typed", ["ANNA@example.com", "external"])
def test_an_email_or_a_customer_id_finds_the_member(cashier, customer, typed):
    query = customer.external_id if typed == "external" else typed
    response = cashier.get(reverse("till"), {"q": query})
    assert response.context["member"] == customer


def test_a_mobile_number_as_typed_finds_the_member(cashier, customer):
    customer.phone = "+4915112345678"
    customer.save(update_fields=["phone"])
    response = cashier.get(reverse("till"), {"q": "0049 151 1234-5678"})
    assert response.context["member"] == customer


def test_an_unknown_card_says_so_in_words(cashier, customer):
    response = cashier.get(reverse("till"), {"q": "NOPE123"})
    assert response.context["member"] is None
    assert "No member has the card, email, customer id or phone NOPE123." in follow_messages(
        response
    )


def test_a_purchase_with_lines_is_recorded_by_the_service_with_the_tills_channel(cashier, customer):
    response = cashier.post(
        reverse("till-purchase"),
        {
            "member": customer.pk,
            "channel": "web",
            "order_id": "R-1001",
            "line_sku": ["LATTE", "CAKE", ""],
            "line_category": ["drinks", "food", ""],
            "line_amount": ["3.50", "4,20", ""],
        },
        follow=True,
    )
    purchase = Purchase.objects.get(order_id="R-1001")
    assert purchase.member == customer
    assert purchase.channel.code == "web"
    assert str(purchase.amount) == "7.70"
    assert sorted(purchase.lines.values_list("sku", "category")) == [
        ("CAKE", "food"),
        ("LATTE", "drinks"),
    ]
    assert "Purchase R-1001 of 7.70 EUR recorded: 7 points" in follow_messages(response)


def test_a_purchase_line_that_is_not_a_number_writes_nothing(cashier, customer):
    response = cashier.post(
        reverse("till-purchase"),
        {"member": customer.pk, "channel": "web", "order_id": "R-2", "line_amount": ["abc"]},
        follow=True,
    )
    assert not Purchase.objects.exists()
    assert "Line 1: the amount abc is not a number." in follow_messages(response)


def test_a_duplicate_receipt_is_refused_in_the_services_words(cashier, customer):
    record_purchase(channel="web", order_id="R-3", amount="5.00", member_id=customer.pk)
    response = cashier.post(
        reverse("till-purchase"),
        {"member": customer.pk, "channel": "web", "order_id": "R-3", "line_amount": ["5"]},
        follow=True,
    )
    assert Purchase.objects.count() == 1
    assert "The order R-3 on channel web is already recorded." in follow_messages(response)


def test_redeeming_a_reward_shows_the_code_and_a_second_enter_spends_nothing_more(
    cashier, customer
):
    coffee = RewardFactory(name="Free coffee", points_cost=120)
    form = {"member": customer.pk, "reward": coffee.pk, "token": "t" * 20}
    first = cashier.post(reverse("till-redeem"), form, follow=True)
    again = cashier.post(reverse("till-redeem"), form, follow=True)
    redemption = Redemption.objects.get()
    assert first.context["issued"] == redemption == again.context["issued"]
    assert redemption.code in first.content.decode()
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REDEEM).count() == 1


def test_redeeming_points_the_member_does_not_have_is_refused_and_spends_nothing(cashier, customer):
    response = cashier.post(
        reverse("till-redeem"),
        {"member": customer.pk, "points": "500", "token": "u" * 20},
        follow=True,
    )
    assert not Redemption.objects.exists()
    assert "There are not enough points: 500 needed, 300 spendable." in follow_messages(response)


def test_a_code_the_member_shows_is_checked_then_used_once(cashier, customer):
    redemption = redeem_reward(
        member_id=customer.pk, reward_id=RewardFactory(name="Muffin", points_cost=50).pk
    )
    typed = redemption.code.lower()
    shown = cashier.get(reverse("till"), {"code": typed})
    assert shown.context["shown"] == redemption
    assert "Mark used" in shown.content.decode()

    used = cashier.post(reverse("till-use"), {"code": typed}, follow=True)
    redemption.refresh_from_db()
    assert redemption.status == Redemption.Status.USED
    assert f"Code {redemption.code} accepted: give Muffin." in follow_messages(used)

    twice = cashier.post(reverse("till-use"), {"code": typed}, follow=True)
    assert re.search(r"The redemption code \S+ is used\.", follow_messages(twice))


def test_a_scanned_redemption_code_in_the_member_box_opens_the_code(cashier, customer):
    redemption = redeem_points(member_id=customer.pk, points=100)
    response = cashier.get(reverse("till"), {"q": redemption.code}, follow=True)
    assert response.context["shown"] == redemption


def test_a_cashier_who_may_only_record_purchases_is_not_offered_redeeming(client, customer):
    staff_with(client, "add_purchase")
    page = client.get(reverse("till"), {"q": customer.card_code}).content.decode()
    assert "Record the purchase" in page
    assert "Redeem" not in page
    response = client.post(
        reverse("till-redeem"), {"member": customer.pk, "points": "10", "token": "v" * 20}
    )
    assert response.status_code == 403
    assert not Redemption.objects.exists()


def test_every_admin_page_links_to_the_till_only_for_staff_who_may_use_it(client):
    may = UserFactory(is_staff=True)
    may.user_permissions.add(Permission.objects.get(codename="add_redemption"))
    may_not = UserFactory(is_staff=True)
    may_not.user_permissions.add(Permission.objects.get(codename="view_member"))
    client.force_login(may)
    assert b'data-testid="till-link"' in client.get("/admin/").content
    client.force_login(may_not)
    assert b'data-testid="till-link"' not in client.get("/admin/").content
