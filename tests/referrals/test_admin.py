"""Staff pages of tiers, actions and referrals: pages open, forms call the services."""

from decimal import Decimal

import pytest
from django.urls import reverse

from members.models import Member, TierChange
from referrals import services
from referrals.models import Referral, ReferralSettings
from rewards.models import LedgerEntry
from tests.factories import ActionRuleFactory, MemberFactory, TierFactory, UserFactory

pytestmark = pytest.mark.usefixtures("web")


@pytest.fixture
def staff_client(client, program):
    staff = UserFactory(email="staff@example.com", is_staff=True, is_superuser=True)
    client.force_login(staff)
    client.staff = staff
    return client


@pytest.fixture
def suspicious(program):
    ReferralSettings.objects.create()
    referrer = MemberFactory(email="ann@example.com")
    code = services.ensure_referral_code(member_id=referrer.pk).code
    referee = MemberFactory(email="ann@other.example")
    return services.attach_referral(referee_member_id=referee.pk, code=code)


@pytest.mark.parametrize(
    "model",
    [
        "members/tier",
        "members/tierchange",
        "rewards/actionrule",
        "rewards/memberaction",
        "referrals/referral",
        "referrals/referralcode",
        "referrals/referralsettings",
    ],
)
def test_every_changelist_opens(staff_client, suspicious, model):
    TierFactory(name="Silver")
    ActionRuleFactory()
    response = staff_client.get(f"/admin/{model}/")
    assert response.status_code == 200


def test_the_member_page_shows_the_tier_tools(staff_client, member):
    response = staff_client.get(reverse("admin:members_member_change", args=[member.pk]))
    assert response.status_code == 200
    assert b"Set tier by hand" in response.content
    assert b"Record an action" in response.content


def test_staff_pin_a_tier_with_a_reason(staff_client, member):
    gold = TierFactory(name="Gold")
    url = reverse("admin:members_member_pin-tier", args=[member.pk])
    response = staff_client.post(url, {"tier": gold.pk, "reason": "VIP guest"})
    assert response.status_code == 302
    change = TierChange.objects.get(member=member)
    assert (change.to_tier, change.note, change.created_by) == (
        gold,
        "VIP guest",
        staff_client.staff,
    )
    assert Member.objects.get(pk=member.pk).tier_pinned


def test_pinning_without_a_reason_shows_the_form_again(staff_client, member):
    gold = TierFactory(name="Gold")
    url = reverse("admin:members_member_pin-tier", args=[member.pk])
    response = staff_client.post(url, {"tier": gold.pk, "reason": ""})
    assert response.status_code == 200
    assert not TierChange.objects.exists()


def test_staff_assign_a_paid_tier(staff_client, member):
    club = TierFactory(name="Club", is_paid=True, fee=Decimal("49"), term_months=12)
    url = reverse("admin:members_member_paid-tier", args=[member.pk])
    response = staff_client.post(url, {"tier": club.pk, "fee": "49.00", "reason": "INV-7"})
    assert response.status_code == 302
    assert TierChange.objects.get(member=member).fee == Decimal("49.00")


def test_staff_record_an_action_for_a_member(staff_client, member):
    ActionRuleFactory(code="review", points=15)
    url = reverse("admin:members_member_record-action", args=[member.pk])
    response = staff_client.post(url, {"rule": "review", "reference": "r-1"})
    assert response.status_code == 302
    entry = LedgerEntry.objects.get(member=member)
    assert (entry.kind, entry.points, entry.created_by) == ("action", 15, staff_client.staff)


def test_an_action_over_its_limit_shows_the_reason_in_the_admin(staff_client, member):
    ActionRuleFactory(code="review", points=15)
    url = reverse("admin:members_member_record-action", args=[member.pk])
    staff_client.post(url, {"rule": "review"})
    response = staff_client.post(url, {"rule": "review"})
    assert b"the limit is reached" in response.content
    assert LedgerEntry.objects.filter(member=member).count() == 1


def test_staff_approve_a_suspicious_referral_with_a_reason(staff_client, suspicious):
    url = reverse("admin:referrals_referral_approve", args=[suspicious.pk])
    response = staff_client.post(url, {"reason": "Different people"})
    assert response.status_code == 302
    referral = Referral.objects.get(pk=suspicious.pk)
    assert (referral.status, referral.reviewed_by) == ("pending", staff_client.staff)


def test_staff_reject_a_referral_with_a_reason(staff_client, suspicious):
    url = reverse("admin:referrals_referral_reject", args=[suspicious.pk])
    staff_client.post(url, {"reason": "Same person"})
    assert Referral.objects.get(pk=suspicious.pk).status == "rejected"


def test_the_funnel_page_shows_the_stages(staff_client, suspicious):
    response = staff_client.get(reverse("admin:referrals_funnel"))
    assert response.status_code == 200
    assert b"Codes shared" in response.content
    assert b"ann@example.com" in response.content


def test_it_validates_ownership_a_member_login_cannot_open_the_funnel(client, suspicious):
    client.force_login(UserFactory(email="customer@example.com"))
    response = client.get(reverse("admin:referrals_funnel"))
    assert response.status_code == 302  # to the admin login
    assert "/admin/login/" in response["Location"]
