"""The member's data rights: a download of everything held, and erasure on request.

Erasure keeps the purchases and the ledger (anonymised), so every report still
reconciles: the roll-forward is the same before and after.
"""

import json
from datetime import date, timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from members.models import Erasure, Member, User
from referrals import services as referrals
from referrals.models import ReferralCode
from reporting.reports import REPORTS, Period, build
from rewards.adjustments.services import adjust_points
from rewards.models import LedgerEntry, Purchase
from rewards.privacy import close_membership
from rewards.redemptions.services import redeem_reward
from tests.factories import MemberFactory, RewardFactory, UserFactory
from tests.helpers import assert_ledger_consistent

from .conftest import buy, login_member

HISTORY_FIELDS = {"effective_at", "kind", "points", "pending_points", "description"}


def download(client) -> dict:
    response = client.get(reverse("portal:data"))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="my-loyalty-data.json"'
    return json.loads(response.content)


def test_the_profile_page_offers_the_members_data_for_download(client, signed_in):
    page = client.get(reverse("portal:profile")).content.decode()
    assert reverse("portal:data") in page and "Download my data" in page


def test_the_download_holds_the_profile_purchases_points_codes_and_referrals(client, signed_in):
    buy(signed_in, 300, order_id="D1")
    redeem_reward(member_id=signed_in.pk, reward_id=RewardFactory(name="Mug").pk)
    friend = MemberFactory(email="friend@example.com")
    code = referrals.ensure_referral_code(member_id=signed_in.pk).code
    referrals.attach_referral(referee_member_id=friend.pk, code=code, source="signup")
    data = download(client)
    assert data["profile"]["email"] == "ann@example.com"
    assert [p["order_id"] for p in data["purchases"]] == ["D1"]
    assert [e["points"] for e in data["points_history"]] == [300, -100]
    assert data["redemptions"][0]["reward__name"] == "Mug"
    assert len(data["referrals"]["friends_invited"]) == 1


def test_the_download_leaves_out_staff_notes_and_the_friends_addresses(client, signed_in):
    buy(signed_in, 10, order_id="D2")
    adjust_points(member_id=signed_in.pk, points=5, reason="complained on the phone")
    friend = MemberFactory(email="friend@example.com")
    code = referrals.ensure_referral_code(member_id=signed_in.pk).code
    referrals.attach_referral(referee_member_id=friend.pk, code=code, source="signup")
    data = download(client)
    assert all(set(entry) == HISTORY_FIELDS for entry in data["points_history"])
    assert "friend@example.com" not in json.dumps(data)


def test_it_validates_ownership_the_download_holds_only_the_members_own_data(client, program, web):
    other = MemberFactory(email="other@example.com")
    buy(other, 70, order_id="THEIRS")
    login_member(client, "me@example.com")
    text = client.get(reverse("portal:data") + f"?member={other.pk}").content.decode()
    assert "THEIRS" not in text and "other@example.com" not in text


# ---------------------------------------------------------------- erasure


@pytest.fixture
def staff_client(client, program, web):
    staff = UserFactory(email="staff@example.com", is_staff=True, is_superuser=True)
    client.force_login(staff)
    client.staff = staff
    return client


@pytest.fixture
def customer(program, web):
    """A member with a login, a birthday, purchases, and a friend they referred."""
    user = UserFactory(email="dana@example.com")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    member = MemberFactory(
        email="dana@example.com",
        user=user,
        external_id="SHOP-77",
        birthday=date(1990, 5, 1),
        phone="+4915112345678",
    )
    buy(member, 120, order_id="E1", days_ago=10)
    friend = MemberFactory(email="friend@example.com")
    code = referrals.ensure_referral_code(member_id=member.pk).code
    referrals.attach_referral(referee_member_id=friend.pk, code=code, source="signup")
    LedgerEntry.objects.create(  # as the referral reward would describe the member
        member=friend,
        kind=LedgerEntry.Kind.REFERRAL,
        points=0,
        description="Referral reward: invited by dana@example.com",
        idempotency_key="test:referral-description",
    )
    return member


def erase(client, member, **data):
    url = reverse("admin:members_member_erase", args=[member.pk])
    return client.post(url, data)


def test_staff_erase_a_members_personal_data_with_a_reason(staff_client, customer):
    user_id = customer.user_id
    response = erase(staff_client, customer, reason="asked by email on 3 May", confirm="on")
    assert response.status_code == 302
    member = Member.objects.get(pk=customer.pk)
    assert member.email == f"erased-{member.pk}@erased.invalid"
    assert (member.first_name, member.last_name, member.birthday) == ("", "", None)
    assert member.phone == ""
    assert (member.external_id, member.user, member.status) == (None, None, "closed")
    assert not User.objects.filter(pk=user_id).exists()
    assert not ReferralCode.objects.get(member=member).active
    erasure = Erasure.objects.get(member=member)
    assert (erasure.reason, erasure.erased_by) == ("asked by email on 3 May", staff_client.staff)
    assert not LedgerEntry.objects.filter(description__contains="dana@example.com").exists()
    assert Purchase.objects.filter(member=member).count() == 1  # kept, anonymised
    assert_ledger_consistent()


def test_an_erasure_without_a_reason_or_a_confirmation_erases_nothing(staff_client, customer):
    assert erase(staff_client, customer, reason="", confirm="on").status_code == 200
    assert erase(staff_client, customer, reason="asked").status_code == 200
    member = Member.objects.get(pk=customer.pk)
    assert member.email == "dana@example.com" and member.status == "active"
    assert not Erasure.objects.exists()


def test_an_erased_members_login_and_referral_link_no_longer_work(client, staff_client, customer):
    code = ReferralCode.objects.get(member=customer).code
    erase(staff_client, customer, reason="asked", confirm="on")
    client.logout()
    assert not client.login(email="dana@example.com", password="correct horse battery staple")
    client.get(reverse("referrals:link", args=[code]))
    assert "referral_code" not in client.session


def test_every_report_is_the_same_before_and_after_an_erasure(staff_client, customer):
    close_membership(member_id=customer.pk)  # the points leave as a forfeit first
    period = Period(timezone.localdate() - timedelta(days=40), timezone.localdate())
    before = {name: build(name, period).rows for name in REPORTS}
    erase(staff_client, customer, reason="asked", confirm="on")
    after = {name: build(name, period).rows for name in REPORTS}
    assert after == before
    call_command("verify_ledger")


def test_it_validates_ownership_an_erasure_leaves_other_members_alone(staff_client, customer):
    other = MemberFactory(email="other@example.com", first_name="Olga")
    erase(staff_client, customer, reason="asked", confirm="on")
    other.refresh_from_db()
    assert (other.email, other.first_name) == ("other@example.com", "Olga")
