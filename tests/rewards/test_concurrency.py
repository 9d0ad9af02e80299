"""Redemptions racing for the same points, in real concurrent transactions (PostgreSQL)."""

import pytest
from django.db import connection

from rewards.models import LedgerEntry, Redemption
from rewards.purchases.recording import record_purchase
from rewards.purchases.refunds import refund_purchase
from rewards.redemptions.services import redeem_points
from tests.conftest import skip_unless_postgresql
from tests.factories import ChannelFactory, MemberFactory, ProgramFactory
from tests.helpers import assert_ledger_consistent, balance, race


@pytest.fixture
def funded_member(transactional_db):
    skip_unless_postgresql()
    assert connection.vendor == "postgresql"
    ProgramFactory()
    ChannelFactory(code="web")
    member = MemberFactory()
    record_purchase(channel="web", order_id="fund", amount="500.00", member_id=member.pk)
    return member


def test_two_redemptions_racing_for_the_same_points_one_wins(funded_member):
    outcomes = race(2, lambda i: redeem_points(member_id=funded_member.pk, points=400))
    assert sorted(kind for kind, _ in outcomes) == ["ok", "refused"]
    assert ("refused", "insufficient_points") in outcomes
    assert balance(funded_member) == 100
    assert_ledger_consistent()


def test_twenty_redemptions_against_a_balance_that_covers_five(funded_member):
    outcomes = race(20, lambda i: redeem_points(member_id=funded_member.pk, points=100))
    assert [kind for kind, _ in outcomes].count("ok") == 5
    assert balance(funded_member) == 0
    assert Redemption.objects.count() == 5
    assert LedgerEntry.objects.filter(kind="redeem").count() == 5
    assert_ledger_consistent()


def test_the_same_idempotency_key_posted_twice_at_once_applies_once(funded_member):
    outcomes = race(
        2,
        lambda i: redeem_points(member_id=funded_member.pk, points=100, idempotency_key="same"),
    )
    assert [kind for kind, _ in outcomes] == ["ok", "ok"]
    assert outcomes[0][1].pk == outcomes[1][1].pk
    assert balance(funded_member) == 400


def test_a_redemption_racing_a_refund_never_goes_below_zero(funded_member):
    purchase = funded_member.purchases.get()

    def target(i):
        if i == 0:
            return refund_purchase(purchase_id=purchase.pk, amount="500.00")
        return redeem_points(member_id=funded_member.pk, points=300)

    race(2, target)
    assert balance(funded_member) >= 0
    assert_ledger_consistent()


def test_concurrent_purchases_with_the_same_order_id_record_one(transactional_db):
    skip_unless_postgresql()
    ProgramFactory()
    ChannelFactory(code="web")
    members = [MemberFactory() for _ in range(4)]
    outcomes = race(
        4,
        lambda i: record_purchase(
            channel="web", order_id="dup", amount="10.00", member_id=members[i].pk
        ),
    )
    assert sorted(kind for kind, _ in outcomes) == ["ok", "refused", "refused", "refused"]
    assert LedgerEntry.objects.count() == 1
    assert_ledger_consistent()
