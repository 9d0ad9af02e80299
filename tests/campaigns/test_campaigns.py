"""Campaigns on purchases: an audience-only earn rule with a budget, shown in the breakdown,
never given to held-out members, stopped by its budget even under concurrency."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from campaigns import services
from campaigns.models import Campaign, CampaignMember, Segment
from campaigns.report import campaign_report
from loyalty.errors import ApplicationError
from rewards.earning import audiences
from rewards.models import EarnRule, Purchase
from rewards.purchases.recording import record_purchase
from tests.conftest import skip_unless_postgresql
from tests.factories import MemberFactory
from tests.helpers import assert_ledger_consistent, run_at_once

pytestmark = pytest.mark.usefixtures("web")
OPTED_IN = {"conditions": [{"kind": "consent", "channel": "email"}]}


@pytest.fixture
def launched(program, admin_user):
    def launch(kind="multiplier", budget=None, share="0.5", **fields):
        members = [MemberFactory(email=f"t{i}@example.com", email_offers=True) for i in range(4)]
        MemberFactory(email="outsider@example.com", email_offers=False)
        segment = Segment.objects.get_or_create(name="Opted in", definition=OPTED_IN)[0]
        now = timezone.now()
        campaign = Campaign.objects.create(
            name="Double week", kind=kind, segment=segment, multiplier=Decimal("2"),
            bonus_points=30, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=7),
            budget_points=budget, control_share=Decimal(share), seed=5, **fields,
        )  # fmt: skip
        services.launch_campaign(campaign_id=campaign.pk, user=admin_user)
        campaign.refresh_from_db()
        held = set(CampaignMember.objects.filter(held_out=True).values_list("member", flat=True))
        targeted = [m for m in members if m.pk not in held]
        return campaign, targeted, [m for m in members if m.pk in held]

    return launch


def buy(member, order, amount="40.00", when=None):
    return record_purchase(
        channel="web", order_id=order, amount=amount, member_id=member.pk,
        purchased_at=when or timezone.now() - timedelta(minutes=5),
    )  # fmt: skip


def campaign_points(purchase: Purchase) -> int:
    return sum(p["points"] for p in purchase.earn_breakdown if p["rule"].startswith("Campaign"))


def test_a_targeted_member_earns_the_campaign_in_the_purchase_breakdown(launched):
    campaign, targeted, _ = launched()
    purchase = buy(targeted[0], "A1")
    assert purchase.points_earned == 80
    assert {"rule_id": campaign.earn_rule_id, "rule": "Campaign: Double week", "points": 40} in (
        purchase.earn_breakdown
    )
    assert campaign.earn_rule.audience_only


def test_it_validates_ownership_held_out_and_other_members_earn_no_campaign(launched):
    _, _, held = launched()
    outsider = MemberFactory(email="late@example.com", email_offers=True)
    assert campaign_points(buy(held[0], "H1")) == 0
    assert campaign_points(buy(outsider, "O1")) == 0
    assert buy(held[0], "H2").points_earned == 40


def test_the_campaign_applies_only_in_its_window(launched):
    campaign, targeted, _ = launched()
    before = campaign.starts_at - timedelta(hours=2)
    assert campaign_points(buy(targeted[0], "B1", when=before)) == 0


def test_the_budget_stops_awarding_once_spent(launched):
    campaign, targeted, _ = launched(kind="bonus", budget=50)
    first, second, third = (buy(targeted[0], f"B{i}") for i in range(3))
    assert [campaign_points(p) for p in (first, second, third)] == [30, 20, 0]
    assert "(budget spent)" in str(second.earn_breakdown)
    assert audiences.awarded(campaign.earn_rule_id) == 50
    assert campaign_report(campaign).points_cost == 50
    assert_ledger_consistent()


def test_ending_a_campaign_stops_its_points(launched):
    campaign, targeted, _ = launched()
    services.end_campaign(campaign_id=campaign.pk)
    assert campaign_points(buy(targeted[0], "E1")) == 0
    assert EarnRule.objects.get(pk=campaign.earn_rule_id).active is False


def test_a_campaign_that_could_pass_the_ceiling_is_refused_and_stays_a_draft(program, admin_user):
    MemberFactory(email_offers=True)
    segment = Segment.objects.create(name="All", definition=OPTED_IN)
    now = timezone.now()
    campaign = Campaign.objects.create(
        name="Crazy", kind="multiplier", multiplier=Decimal("100"), segment=segment,
        starts_at=now, ends_at=now + timedelta(days=1),
    )  # fmt: skip
    with pytest.raises(ApplicationError, match="could earn"):
        services.launch_campaign(campaign_id=campaign.pk, user=admin_user)
    campaign.refresh_from_db()
    assert campaign.status == "draft" and not EarnRule.objects.exists()
    assert not CampaignMember.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_purchases_never_award_past_the_budget(program, web, admin_user):
    skip_unless_postgresql()
    members = [MemberFactory(email=f"c{i}@example.com", email_offers=True) for i in range(8)]
    segment = Segment.objects.create(name="All", definition=OPTED_IN)
    now = timezone.now()
    campaign = Campaign.objects.create(
        name="Race", kind="bonus", bonus_points=30, segment=segment, budget_points=100,
        starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=1),
        control_share=Decimal("0"),
    )  # fmt: skip
    campaign = services.launch_campaign(campaign_id=campaign.pk, user=admin_user)
    run_at_once(8, lambda i: buy(members[i], f"R{i}"))
    awarded = sorted(campaign_points(p) for p in Purchase.objects.all())
    assert sum(awarded) == 100 and awarded[-3:] == [30, 30, 30]
    assert audiences.awarded(campaign.earn_rule_id) == 100
    assert_ledger_consistent()
