"""The tier, birthday and referral jobs on a real Celery worker (Redis broker, PostgreSQL)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from members.models import Member, TierChange
from referrals import services as referrals
from referrals import tasks as referral_tasks
from referrals.models import ReferralSettings
from rewards import tasks
from rewards.purchases.recording import record_purchase
from tests.factories import ChannelFactory, MemberFactory, ProgramFactory, TierFactory
from tests.helpers import assert_ledger_consistent, balance

pytestmark = pytest.mark.integration


def test_a_real_worker_evaluates_tiers_idempotently(celery_worker_process):
    ProgramFactory()
    TierFactory(name="Regular", rank=0, threshold=Decimal("0"))
    members = MemberFactory.create_batch(3)
    first = tasks.evaluate_tiers.delay().get(timeout=60)
    second = tasks.evaluate_tiers.delay().get(timeout=60)
    assert (first["upgrades"], second["upgrades"]) == (3, 0)
    assert TierChange.objects.count() == 3
    assert {Member.objects.get(pk=m.pk).tier.name for m in members} == {"Regular"}


def test_it_validates_ownership_a_real_worker_pays_only_both_sides_once(celery_worker_process):
    ProgramFactory()
    ChannelFactory(code="web")
    ReferralSettings.objects.create(referrer_points=500, referee_points=250)
    referrer, referee, bystander = MemberFactory(), MemberFactory(), MemberFactory()
    code = referrals.ensure_referral_code(member_id=referrer.pk).code
    referrals.attach_referral(referee_member_id=referee.pk, code=code)
    record_purchase(
        channel="web",
        order_id="R1",
        amount="50.00",
        member_id=referee.pk,
        purchased_at=timezone.now() - timedelta(minutes=1),
    )
    assert referral_tasks.pay_due_referrals.delay().get(timeout=60)["rewarded"] == 1
    assert referral_tasks.pay_due_referrals.delay().get(timeout=60)["rewarded"] == 0
    assert (balance(referrer), balance(referee), balance(bystander)) == (500, 300, 0)
    assert_ledger_consistent()
