"""Closing a period while others write, in real concurrent transactions (PostgreSQL): a row
that took its id before the closing is in the closed figures, never committed after them."""

import threading
import time
from datetime import date, datetime
from datetime import time as clock

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from reporting import closing, reports, services
from rewards.adjustments.services import adjust_points
from rewards.purchases.recording import record_purchase
from tests.conftest import skip_unless_postgresql
from tests.factories import ChannelFactory, MemberFactory, ProgramFactory

MARCH = reports.Period(date(2025, 3, 1), date(2025, 3, 31))


def at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, clock(12)))


@pytest.fixture
def member(transactional_db):
    skip_unless_postgresql()
    assert connection.vendor == "postgresql"
    ProgramFactory(expiry_policy="never")
    ChannelFactory(code="web")
    member = MemberFactory()
    record_purchase(
        channel="web",
        order_id="M1",
        amount="100.00",
        member_id=member.pk,
        purchased_at=at(date(2025, 3, 2)),
    )
    return member


def test_a_write_begun_before_the_closing_is_waited_for_and_counted(member):
    started, release = threading.Event(), threading.Event()

    def slow_writer():
        try:
            with transaction.atomic():
                adjust_points(
                    member_id=member.pk,
                    points=40,
                    reason="begun before the closing",
                    effective_at=at(date(2025, 3, 20)),
                )
                started.set()
                release.wait(10)
                time.sleep(0.3)  # still open when the closing starts waiting
        finally:
            connections.close_all()

    writer = threading.Thread(target=slow_writer)
    writer.start()
    started.wait(10)
    release.set()
    began = time.monotonic()
    closed = services.close_period(start=MARCH.start, end=MARCH.end)
    waited = time.monotonic() - began
    writer.join(10)
    assert waited >= 0.2  # the closing waited for the writer's transaction
    assert closed.figures["rollforward"]["summary"]["closing"] == 140
    assert closing.check_closed_period(closed.pk) == []


def test_a_write_after_the_closing_goes_to_the_next_period(member):
    services.close_period(start=MARCH.start, end=MARCH.end)
    adjust_points(
        member_id=member.pk, points=40, reason="after", effective_at=at(date(2025, 3, 20))
    )
    assert reports.rollforward(MARCH).summary["closing"] == 100
    april = reports.rollforward(reports.Period(date(2025, 4, 1), date(2025, 4, 30)))
    assert april.summary["closing"] == 140


def test_it_validates_ownership_another_members_write_is_counted_once(member):
    other = MemberFactory()
    adjust_points(member_id=other.pk, points=5, reason="theirs", effective_at=at(date(2025, 3, 3)))
    closed = services.close_period(start=MARCH.start, end=MARCH.end)
    assert closed.figures["rollforward"]["summary"]["closing"] == 105
