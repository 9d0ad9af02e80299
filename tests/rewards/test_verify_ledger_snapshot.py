"""verify_ledger under load: it reads one snapshot, so it never reports drift that is not there.

Its aggregates (cached balances, ledger sums, lots, movements) are separate queries; read
at different moments they disagree whenever a purchase commits between two of them.
"""

import contextlib
import threading

import pytest
from django.core.management import call_command
from django.db import connections

from loyalty.errors import ApplicationError
from rewards.purchases.recording import record_purchase
from rewards.redemptions.services import redeem_points
from rewards.selectors import ledger_drift
from tests.conftest import skip_unless_postgresql
from tests.factories import ChannelFactory, MemberFactory, ProgramFactory
from tests.helpers import assert_ledger_consistent


@pytest.fixture
def shoppers(transactional_db):
    skip_unless_postgresql()
    ProgramFactory()
    ChannelFactory(code="web")
    return [MemberFactory() for _ in range(8)]


def test_verify_ledger_reports_no_drift_while_purchases_and_redemptions_commit(shoppers):
    stop, errors, reports = threading.Event(), [], []

    def shop(index: int):
        member, n = shoppers[index], 0
        try:
            while not stop.is_set():
                n += 1
                record_purchase(
                    channel="web", order_id=f"{index}-{n}", amount="20.00", member_id=member.pk
                )
                with contextlib.suppress(ApplicationError):
                    redeem_points(member_id=member.pk, points=15)
        except Exception as exc:  # noqa: BLE001 - re-raised in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    def verify():
        try:
            for _ in range(25):
                reports.append(ledger_drift())
        finally:
            connections.close_all()

    workers = [threading.Thread(target=shop, args=(i,)) for i in range(len(shoppers))]
    for worker in workers:
        worker.start()
    checker = threading.Thread(target=verify)
    checker.start()
    checker.join(timeout=120)
    stop.set()
    for worker in workers:
        worker.join(timeout=60)
    assert errors == []
    assert len(reports) == 25
    assert [drift for drift in reports if drift] == []
    call_command("verify_ledger")
    assert_ledger_consistent()


def test_it_validates_ownership_verify_ledger_of_one_member_reads_only_that_member(shoppers):
    first, second = shoppers[:2]
    record_purchase(channel="web", order_id="A", amount="5.00", member_id=first.pk)
    assert ledger_drift([second.pk]) == []
    assert ledger_drift([first.pk]) == []
