"""Closing a membership: every point forfeited in one entry, after a confirmation."""

import pytest
from django.urls import reverse

from loyalty.errors import ApplicationError
from members.models import Member
from members.services import set_member_status
from rewards.models import LedgerEntry, Redemption
from rewards.privacy import close_membership
from rewards.redemptions.services import redeem_reward
from tests.factories import MemberFactory, RewardFactory
from tests.helpers import assert_ledger_consistent, balance, pending

from .conftest import buy, login_member


def test_closing_forfeits_spendable_and_pending_points_in_one_entry(member, web, program):
    buy(member, 100, order_id="A")
    program.return_window_days = 30
    program.save()
    buy(member, 40, order_id="B")
    entry = close_membership(member_id=member.pk)
    assert (entry.kind, entry.points, entry.pending_points) == ("forfeit", -100, -40)
    assert LedgerEntry.objects.filter(kind="forfeit").count() == 1
    assert (balance(member), pending(member)) == (0, 0)
    assert Member.objects.get(pk=member.pk).status == Member.Status.CLOSED
    assert_ledger_consistent()


def test_closing_forfeits_points_past_expiry_that_the_expiry_job_has_not_taken(member, web):
    buy(member, 70, order_id="OLD", days_ago=400)
    entry = close_membership(member_id=member.pk)
    assert entry.points == -70 and balance(member) == 0
    assert_ledger_consistent()


def test_closing_keeps_issued_codes_valid(member, web):
    buy(member, 300, order_id="A")
    redemption = redeem_reward(member_id=member.pk, reward_id=RewardFactory().pk)
    close_membership(member_id=member.pk)
    assert Redemption.objects.get(pk=redemption.pk).status == Redemption.Status.ISSUED
    assert balance(member) == 0


def test_closing_a_member_without_points_writes_no_entry(member):
    assert close_membership(member_id=member.pk) is None
    assert not LedgerEntry.objects.exists()


def test_closing_twice_is_refused(member):
    close_membership(member_id=member.pk)
    with pytest.raises(ApplicationError, match="already closed"):
        close_membership(member_id=member.pk)


def test_the_close_page_needs_the_confirmation_box(client, signed_in):
    buy(signed_in, 90, order_id="A")
    response = client.post(reverse("portal:close"), {})
    assert response.status_code == 400 and b"Tick the box" in response.content
    assert balance(signed_in) == 90


def test_closing_from_the_portal_forfeits_and_signs_out(client, signed_in):
    buy(signed_in, 90, order_id="A")
    response = client.post(reverse("portal:close"), {"confirm": "yes"})
    assert b"membership is closed" in response.content
    assert balance(signed_in) == 0
    assert client.get(reverse("portal:home")).status_code == 302  # signed out
    assert_ledger_consistent()


def test_closing_a_membership_ends_its_login_and_its_open_sessions(client, signed_in):
    user = Member.objects.get(pk=signed_in.pk).user
    close_membership(member_id=signed_in.pk)  # e.g. by staff, while signed in
    response = client.get(reverse("portal:rewards"))
    assert response.status_code == 302 and response.wsgi_request.user.is_anonymous
    user.refresh_from_db()
    assert not user.is_active and not user.has_usable_password()
    assert not client.login(email=user.email, password="correct horse battery staple")


def test_a_closed_member_whose_login_survived_sees_the_closure_only(client, program):
    member = login_member(client, "old@example.com")
    set_member_status(member_id=member.pk, status=Member.Status.CLOSED)  # no forfeit, no logout
    assert b"membership is closed" in client.get(reverse("portal:home")).content
    assert client.get(reverse("portal:rewards")).status_code == 302


def test_it_validates_ownership_closing_leaves_other_members_alone(client, signed_in, web):
    other = MemberFactory()
    buy(other, 55, order_id="O")
    client.post(reverse("portal:close"), {"confirm": "yes", "member_id": other.pk})
    assert balance(other) == 55
    assert Member.objects.get(pk=other.pk).status == Member.Status.ACTIVE
