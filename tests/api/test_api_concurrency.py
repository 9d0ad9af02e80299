"""Redemptions posted concurrently through the API, in real transactions (PostgreSQL)."""

import pytest
from django.db import connection
from rest_framework.test import APIClient

from rewards.models import ApiKey, IdempotencyRecord, LedgerEntry, Redemption
from rewards.purchases.recording import record_purchase
from tests.conftest import skip_unless_postgresql
from tests.factories import ChannelFactory, MemberFactory, ProgramFactory
from tests.helpers import assert_ledger_consistent, balance, run_at_once


@pytest.fixture
def setup(transactional_db):
    skip_unless_postgresql()
    assert connection.vendor == "postgresql"
    ProgramFactory()
    ChannelFactory(code="web")
    member = MemberFactory()
    other = MemberFactory()
    record_purchase(channel="web", order_id="fund", amount="500.00", member_id=member.pk)
    _, full = ApiKey.issue(name="till", scopes=["redeem"])
    return member, other, full


def client(full):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {full}")
    return api


def test_the_same_redemption_posted_twice_at_once_applies_once(setup):
    member, _, full = setup
    body = {"member_id": member.pk, "points": 100}
    responses = run_at_once(
        2,
        lambda i: client(full).post(
            "/api/v1/redemptions/", body, format="json", HTTP_IDEMPOTENCY_KEY="same-key"
        ),
    )
    assert [r.status_code for r in responses] == [201, 201]
    assert responses[0].json() == responses[1].json()
    assert Redemption.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1
    assert balance(member) == 400
    assert_ledger_consistent()


def test_twenty_redemptions_racing_for_a_balance_that_covers_five_apply_five(setup):
    member, _, full = setup
    responses = run_at_once(
        20,
        lambda i: client(full).post(
            "/api/v1/redemptions/",
            {"member_id": member.pk, "points": 100},
            format="json",
            HTTP_IDEMPOTENCY_KEY=f"key-{i}",
        ),
    )
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] * 5 + [422] * 15  # insufficient_points: a rule, not the schema
    assert Redemption.objects.count() == 5
    assert LedgerEntry.objects.filter(kind="redeem").count() == 5
    assert balance(member) == 0
    assert_ledger_consistent()


def test_it_validates_ownership_racing_redemptions_never_touch_another_member(setup):
    member, other, full = setup
    run_at_once(
        4,
        lambda i: client(full).post(
            "/api/v1/redemptions/", {"member_id": member.pk, "points": 200}, format="json"
        ),
    )
    assert balance(other) == 0
    assert not Redemption.objects.filter(member=other).exists()
    assert balance(member) == 100
