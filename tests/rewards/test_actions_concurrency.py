"""Limits and rewards under real concurrent transactions (PostgreSQL): nothing applies twice."""

from decimal import Decimal

import pytest
from django.utils import timezone

from referrals import services as referrals
from referrals.models import ReferralSettings
from referrals.rewarding import pay_due_referrals
from rewards.actions.services import record_action
from rewards.models import LedgerEntry, MemberAction
from rewards.purchases.recording import record_purchase
from tests.conftest import skip_unless_postgresql
from tests.factories import ActionRuleFactory, ChannelFactory, MemberFactory, ProgramFactory
from tests.helpers import assert_ledger_consistent, balance, race


@pytest.fixture
def member_pg(transactional_db):
    skip_unless_postgresql()
    ProgramFactory()
    ChannelFactory(code="web")
    return MemberFactory()


def test_a_once_action_posted_five_times_at_once_credits_once(member_pg):
    ActionRuleFactory(code="newsletter", limit="once", points=10)
    outcomes = race(5, lambda i: record_action(member_id=member_pg.pk, code="newsletter"))
    assert sorted(kind for kind, _ in outcomes) == ["ok"] + ["refused"] * 4
    assert {code for kind, code in outcomes if kind == "refused"} == {"action_limit_reached"}
    assert (balance(member_pg), MemberAction.objects.count()) == (10, 1)
    assert_ledger_consistent()


def test_it_validates_ownership_two_members_racing_do_not_share_a_limit(member_pg):
    other = MemberFactory()
    ActionRuleFactory(code="newsletter", limit="once", points=10)
    members = [member_pg, other]
    outcomes = race(2, lambda i: record_action(member_id=members[i].pk, code="newsletter"))
    assert [kind for kind, _ in outcomes] == ["ok", "ok"]
    assert (balance(member_pg), balance(other)) == (10, 10)


def test_two_payment_runs_at_once_pay_a_referral_once(member_pg):
    ReferralSettings.objects.create(referrer_points=500, referee_points=250)
    referee = MemberFactory()
    code = referrals.ensure_referral_code(member_id=member_pg.pk).code
    referrals.attach_referral(referee_member_id=referee.pk, code=code)
    record_purchase(channel="web", order_id="R1", amount=Decimal("50.00"), member_id=referee.pk)
    now = timezone.now()
    race(2, lambda i: pay_due_referrals(now=now))
    assert LedgerEntry.objects.filter(kind="referral").count() == 2
    assert (balance(member_pg), balance(referee)) == (500, 300)
    assert_ledger_consistent()
