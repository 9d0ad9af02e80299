"""Control groups: a seeded, exact, unbiased draw, recorded at launch; the report on a
generated history with a known effect."""

import statistics
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from campaigns import control, services
from campaigns.models import Campaign, CampaignMember, Segment
from campaigns.report import campaign_report
from loyalty.errors import ApplicationError
from members.models import Member
from rewards.models import Channel, Purchase

EVERYONE = {"conditions": [{"kind": "enrolled", "after": "2000-01-01"}]}


def test_the_draw_is_the_same_for_the_same_seed_and_differs_for_another():
    ids = list(range(1, 1001))
    first = control.draw(ids, share=Decimal("0.1"), seed=7)
    assert first == control.draw(list(reversed(ids)), share=Decimal("0.1"), seed=7)
    assert first != control.draw(ids, share=Decimal("0.1"), seed=8)


@pytest.mark.parametrize(
    ("size", "share", "held"), [(1000, "0.1", 100), (15, "0.1", 2), (3, "0.5", 2)]
)
def test_the_draw_holds_out_exactly_the_share(size, share, held):
    assert len(control.draw(list(range(size)), share=Decimal(share), seed=1)) == held


def test_the_draw_is_balanced_across_the_audience():
    """Held out members are spread over the whole audience, not taken from one end."""
    ids = list(range(1, 20_001))
    held = control.draw(ids, share=Decimal("0.1"), seed=3)
    for start in range(1, 20_001, 5000):  # each quarter of the ids holds out about 10%
        quarter = len([pk for pk in held if start <= pk < start + 5000])
        assert 440 <= quarter <= 560
    evens = len([pk for pk in held if pk % 2 == 0])
    assert 900 <= evens <= 1100


def _members(n):
    Member.objects.bulk_create(
        Member(email=f"c{i}@example.com", card_code=f"CARD{i}") for i in range(n)
    )
    return list(Member.objects.order_by("pk"))


@pytest.fixture
def campaign(program, web):
    segment = Segment.objects.create(name="Everyone", definition=EVERYONE)
    now = timezone.now()
    return Campaign.objects.create(
        name="Spring", kind="message", segment=segment, starts_at=now - timedelta(days=20),
        ends_at=now - timedelta(days=10) + timedelta(days=30), seed=42,
    )  # fmt: skip


def test_launch_records_the_audience_the_control_group_and_who_launched(campaign, admin_user):
    _members(200)
    launched = services.launch_campaign(campaign_id=campaign.pk, user=admin_user)
    assert (launched.status, launched.launched_by) == ("running", admin_user)
    assert launched.snapshot.member_count == 200
    assert CampaignMember.objects.filter(campaign=campaign, held_out=True).count() == 20
    assert CampaignMember.objects.filter(campaign=campaign, held_out=False).count() == 180


def test_a_campaign_launches_once(campaign, admin_user):
    _members(5)
    services.launch_campaign(campaign_id=campaign.pk, user=admin_user)
    with pytest.raises(ApplicationError, match="Only a draft can be launched"):
        services.launch_campaign(campaign_id=campaign.pk, user=admin_user)
    assert CampaignMember.objects.count() == 5


def test_a_future_campaign_is_scheduled_then_runs_then_ends(campaign, admin_user):
    _members(5)
    now = timezone.now()
    campaign.starts_at, campaign.ends_at = now + timedelta(days=1), now + timedelta(days=2)
    campaign.save()
    assert services.launch_campaign(campaign_id=campaign.pk, user=admin_user).status == "scheduled"
    services.advance_campaigns(now=now + timedelta(days=1, hours=1))
    campaign.refresh_from_db()
    assert campaign.status == "running"
    services.advance_campaigns(now=now + timedelta(days=3))
    campaign.refresh_from_db()
    assert campaign.status == "ended"


def test_an_empty_segment_cannot_launch(campaign, admin_user):
    with pytest.raises(ApplicationError, match="no member to target"):
        services.launch_campaign(campaign_id=campaign.pk, user=admin_user)
    campaign.refresh_from_db()
    assert campaign.status == "draft"


def test_the_report_finds_a_known_effect_inside_its_interval(campaign, admin_user):
    """Targeted members spend 10.00 more per member than held-out ones, by construction."""
    members = _members(600)
    services.launch_campaign(campaign_id=campaign.pk, user=admin_user)
    held = set(CampaignMember.objects.filter(held_out=True).values_list("member_id", flat=True))
    web = Channel.objects.get(code="web")
    start = campaign.starts_at + timedelta(hours=1)
    purchases, spend = [], {True: [], False: []}
    for i, m in enumerate(members):
        base = Decimal(20 + (i * 37) % 41)  # 20..60, the same spread in both groups
        amount = base + (Decimal(10) if m.pk not in held else 0)
        if i % 5:  # one in five buys nothing
            purchases.append(Purchase(channel=web, order_id=f"o{i}", member=m, currency="EUR",
                                      purchased_at=start, amount=amount))  # fmt: skip
        spend[m.pk in held].append(amount if i % 5 else Decimal(0))
    Purchase.objects.bulk_create(purchases)
    report = campaign_report(campaign)
    during = report.during
    assert (during.targeted.members, during.held_out.members) == (540, 60)
    t, c = spend[False], spend[True]
    lift = statistics.mean(t) - statistics.mean(c)
    assert during.lift_per_member == lift.quantize(Decimal("0.01"))
    assert during.incremental_spend == (lift * 540).quantize(Decimal("0.01"))
    se = (statistics.variance(t) / 540 + statistics.variance(c) / 60).sqrt()
    assert during.ci_low == ((lift - Decimal("1.96") * se) * 540).quantize(Decimal("0.01"))
    assert during.ci_low < 10 * 540 * Decimal("0.8") < during.ci_high  # the effect is inside
    buyers = len([x for x in t if x > 0])
    assert during.targeted.buyers == during.targeted.purchases == buyers
    assert during.targeted.buyer_rate == (Decimal(buyers) / 540).quantize(Decimal("0.0001"))
    assert during.targeted.spend_per_member == statistics.mean(t).quantize(Decimal("0.01"))
    assert report.after.targeted.purchases == 0
    assert isinstance(during.ci_high, Decimal)


def test_it_validates_ownership_another_campaigns_members_are_not_counted(campaign, admin_user):
    _members(50)
    services.launch_campaign(campaign_id=campaign.pk, user=admin_user)
    outsider = Member.objects.create(email="out@example.com", card_code="OUT")
    Purchase.objects.create(channel=Channel.objects.get(code="web"), order_id="x", member=outsider,
                            currency="EUR", purchased_at=campaign.starts_at + timedelta(hours=1),
                            amount=Decimal("999"))  # fmt: skip
    report = campaign_report(campaign)
    assert report.during.targeted.spend == 0 and report.during.held_out.spend == 0
