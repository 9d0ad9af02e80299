"""Posting a credit to one new lot: one statement on PostgreSQL, the rows of the general path."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rewards.adjustments.services import adjust_points
from rewards.ledger.postings import Posting
from rewards.models import LedgerEntry, LotMovement, PointLot
from rewards.purchases.recording import record_purchase
from tests.conftest import on_postgresql
from tests.helpers import assert_ledger_consistent, balance, pending

pytestmark = pytest.mark.usefixtures("web")
# What differs between two purchases of two members: ids, keys, order ids, clock.
DIFFERENT = {"id", "member_id", "entry_id", "lot_id", "purchase_id", "idempotency_key"}
DIFFERENT |= {"description", "created_at"}


def written(member) -> dict:
    """What the ledger holds for the member, without ids (they differ between members)."""

    def strip(rows):
        return [{k: v for k, v in row.items() if k not in DIFFERENT} for row in rows]

    return {
        "entries": strip(LedgerEntry.objects.filter(member=member).order_by("pk").values()),
        "lots": strip(PointLot.objects.filter(member=member).order_by("pk").values()),
        "movements": strip(LotMovement.objects.filter(lot__member=member).order_by("pk").values()),
        "balances": (balance(member), pending(member)),
    }


@pytest.mark.parametrize("return_window_days", [0, 14])
def test_a_credit_to_one_new_lot_writes_what_the_general_path_writes(
    program, member, other_member, monkeypatch, return_window_days
):
    program.return_window_days = return_window_days
    program.save()
    when = timezone.now() - timedelta(days=1)
    with CaptureQueriesContext(connection) as captured:
        record_purchase(
            channel="web", order_id="A1", amount="42.00", member_id=member.pk, purchased_at=when
        )
    one_statement = [q for q in captured.captured_queries if q["sql"].startswith("WITH e AS")]
    assert len(one_statement) == (1 if on_postgresql() else 0)

    monkeypatch.setattr(Posting, "_one_new_lot", lambda self: False)  # the general path
    record_purchase(
        channel="web", order_id="A2", amount="42.00", member_id=other_member.pk, purchased_at=when
    )
    assert written(member) == written(other_member)
    assert balance(member) + pending(member) == 42
    assert_ledger_consistent()


def test_an_adjustment_credit_returns_a_saved_entry_linked_to_its_lot(member):
    entry = adjust_points(member_id=member.pk, points=30, reason="welcome")
    assert entry.pk == LedgerEntry.objects.get(member=member).pk
    lot = PointLot.objects.get(member=member)
    assert (lot.entry_id, lot.points, lot.remaining) == (entry.pk, 30, 30)
    assert LotMovement.objects.get(lot=lot).entry_id == entry.pk
    assert balance(member) == 30
    assert_ledger_consistent()
