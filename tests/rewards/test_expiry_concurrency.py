"""Expiry racing itself and redemptions, in real concurrent transactions (PostgreSQL)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from rewards.expiry.services import expire_points
from rewards.models import LedgerEntry, PointLot
from rewards.purchases.recording import record_purchase
from rewards.redemptions.services import redeem_points
from tests.conftest import skip_unless_postgresql
from tests.factories import ChannelFactory, MemberFactory, ProgramFactory
from tests.helpers import assert_ledger_consistent, balance, race


@pytest.fixture
def pg(transactional_db):
    skip_unless_postgresql()
    ProgramFactory()
    ChannelFactory(code="web")


def fund(member, points, *, expires_at, order_id):
    purchase = record_purchase(
        channel="web", order_id=order_id, amount=f"{points}.00", member_id=member.pk
    )
    PointLot.objects.filter(purchase=purchase).update(expires_at=expires_at)


def test_two_expiry_runs_at_the_same_time_expire_each_point_once(pg):
    past = timezone.now() - timedelta(days=1)
    members = MemberFactory.create_batch(12)
    for member in members:
        fund(member, 10, expires_at=past, order_id=f"{member.pk}-a")
        fund(member, 5, expires_at=past, order_id=f"{member.pk}-b")

    outcomes = race(2, lambda i: expire_points(batch_size=3))

    assert [kind for kind, _ in outcomes] == ["ok", "ok"]
    assert sum(result["points"] for _, result in outcomes) == 12 * 15
    assert LedgerEntry.objects.filter(kind="expire").count() == 12
    assert all(balance(member) == 0 for member in members)
    assert_ledger_consistent()


def test_a_redemption_racing_expiry_never_spends_an_expired_point_nor_loses_one(pg):
    soon = timezone.now() + timedelta(seconds=30)
    members = MemberFactory.create_batch(6)
    for member in members:
        fund(member, 100, expires_at=soon, order_id=f"{member.pk}-a")
        fund(member, 50, expires_at=None, order_id=f"{member.pk}-b")

    def target(i):
        if i == 0:  # the run that sees the first lots as due (its cut-off is past their date)
            return expire_points(as_of=soon + timedelta(seconds=1), batch_size=2)
        return redeem_points(member_id=members[i - 1].pk, points=120)

    outcomes = race(len(members) + 1, target)

    redeemed = sum(r.points for kind, r in outcomes if kind == "ok" and hasattr(r, "points"))
    expired = -sum(LedgerEntry.objects.filter(kind="expire").values_list("points", flat=True))
    assert redeemed + expired + sum(balance(m) for m in members) == 6 * 150
    for member in members:
        # Either the redemption came first (100 + 20 spent, 30 left, nothing to expire)
        # or the expiry did (100 expired, the redemption of 120 refused, 50 left).
        assert balance(member) in (30, 50)
    assert_ledger_consistent()
