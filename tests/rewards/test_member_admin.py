"""The member page in the admin writes what its form edits and nothing else.

The balances and the tier are caches the services keep under the member lock; a staff
save that rewrote them with the values of when the page was opened lost points.
"""

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.models import Member
from rewards.purchases.recording import record_purchase
from rewards.redemptions.services import redeem_points
from tests.conftest import skip_unless_postgresql
from tests.factories import MemberFactory, UserFactory
from tests.helpers import assert_ledger_consistent, balance, form_data, run_at_once

pytestmark = pytest.mark.usefixtures("web")


@pytest.fixture
def staff(program):
    return UserFactory(email="staff@example.com", is_staff=True, is_superuser=True)


def change_url(member) -> str:
    return reverse("admin:members_member_change", args=[member.pk])


def buy(member, order_id, amount="25.00"):
    return record_purchase(channel="web", order_id=order_id, amount=amount, member_id=member.pk)


def test_saving_a_member_keeps_the_points_earned_since_the_page_was_opened(client, staff):
    member = MemberFactory(first_name="Ann")
    buy(member, "A1")
    client.force_login(staff)
    data = form_data(client.get(change_url(member)).content.decode())
    buy(member, "A2")  # while the page is open
    data["first_name"] = "Anna"
    response = client.post(change_url(member), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    member.refresh_from_db()
    assert (member.first_name, member.points_balance) == ("Anna", 50)
    assert_ledger_consistent()


def test_a_member_save_writes_only_the_changed_fields(client, staff):
    member = MemberFactory(first_name="Ann")
    client.force_login(staff)
    data = form_data(client.get(change_url(member)).content.decode())
    data["last_name"] = "Lee"
    with CaptureQueriesContext(connection) as queries:
        client.post(change_url(member), data)
    updates = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "members_member"')]
    assert len(updates) == 1
    assert '"last_name"' in updates[0] and '"first_name"' not in updates[0]
    assert "points_balance" not in updates[0] and '"tier_id"' not in updates[0]


def test_the_member_form_cannot_close_a_membership(client, staff):
    member = MemberFactory()
    buy(member, "C1")
    client.force_login(staff)
    data = form_data(client.get(change_url(member)).content.decode())
    data["status"] = Member.Status.CLOSED
    response = client.post(change_url(member), data)
    assert response.status_code == 200 and b"Select a valid choice" in response.content
    assert Member.objects.get(pk=member.pk).status == Member.Status.ACTIVE
    assert balance(member) == 25


def test_the_close_tool_forfeits_the_points_and_ends_the_members_login(client, staff):
    user = UserFactory(email="leaving@example.com")
    member = MemberFactory(email="leaving@example.com", user=user)
    buy(member, "C2")
    client.force_login(staff)
    url = reverse("admin:members_member_close", args=[member.pk])
    assert client.post(url, {}).status_code == 200  # not confirmed: nothing happens
    assert Member.objects.get(pk=member.pk).status == Member.Status.ACTIVE
    response = client.post(url, {"confirm": "on"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert Member.objects.get(pk=member.pk).status == Member.Status.CLOSED
    assert balance(member) == 0 and not user.is_active
    assert_ledger_consistent()


def test_it_validates_ownership_a_save_of_one_member_leaves_the_others_alone(client, staff):
    member, other = MemberFactory(first_name="Ann"), MemberFactory(first_name="Bob")
    buy(other, "O1")
    client.force_login(staff)
    data = form_data(client.get(change_url(member)).content.decode())
    data["first_name"] = "Anna"
    client.post(change_url(member), data)
    other.refresh_from_db()
    assert (other.first_name, other.points_balance) == ("Bob", 25)


def test_admin_saves_racing_purchases_lose_no_points(transactional_db, staff):
    """Staff save the member page while purchases land: the cache stays the ledger's.

    Each page is opened before the race (as a person would), then saved while other
    threads record purchases; a save that wrote the whole row put back the balance
    read at the start of its request over the points earned meanwhile.
    """
    skip_unless_postgresql()
    member = MemberFactory(first_name="Ann")
    rounds, savers, buyers, each = 4, 4, 4, 3

    def opened_page(n):
        client = Client()
        client.force_login(staff)
        data = form_data(client.get(change_url(member)).content.decode())
        data["first_name"] = f"Ann {n}"
        return client, data

    for round_ in range(rounds):
        pages = [opened_page(n) for n in range(savers)]

        def act(i, pages=pages, round_=round_):
            if i < savers:
                client, data = pages[i]
                return client.post(change_url(member), data).status_code
            return [buy(member, f"R{round_}-{i}-{n}", "10.00").pk for n in range(each)]

        results = run_at_once(savers + buyers, act)
        assert sorted(r for r in results if isinstance(r, int)) == [302] * savers
    call_command("verify_ledger")  # raises CommandError on any drift
    assert balance(member) == rounds * buyers * each * 10
    assert_ledger_consistent()


def test_every_admin_that_can_change_a_row_saves_only_the_changed_fields(rf, staff):
    """The same rule for every model a service also writes (stock, status, visits...)."""
    from django.contrib import admin

    from loyalty.admin_mixins import ChangedFieldsAdmin
    from rewards.admin.api import ApiKeyAdmin  # saves its name and scopes by hand

    request = rf.get("/admin/")
    request.user = staff
    whole_row_savers = [
        type(model_admin).__name__
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in ("members", "rewards", "referrals", "reporting")
        and model_admin.has_change_permission(request)
        and not isinstance(model_admin, ChangedFieldsAdmin | ApiKeyAdmin)
    ]
    assert whole_row_savers == []


def test_saving_a_redemption_page_writes_nothing_over_its_status(client, staff):
    member = MemberFactory()
    buy(member, "S1", "200.00")
    redemption = redeem_points(member_id=member.pk, points=50)
    url = reverse("admin:rewards_redemption_change", args=[redemption.pk])
    client.force_login(staff)
    data = form_data(client.get(url).content.decode())
    with CaptureQueriesContext(connection) as queries:
        assert client.post(url, data).status_code == 302
    assert not [q for q in queries if q["sql"].startswith('UPDATE "rewards_redemption"')]


def test_a_view_only_staff_user_is_offered_no_tool_on_the_member_page(client):
    member = MemberFactory()
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_member"))
    client.force_login(viewer)
    page = client.get(f"/admin/members/member/{member.pk}/change/").content.decode()
    assert "Adjust points" not in page
    adjust = client.get(f"/admin/members/member/{member.pk}/adjust/")
    assert adjust.status_code == 403
