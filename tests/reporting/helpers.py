"""Helpers of the reporting tests: act at a past moment, expire points, round to units."""

from contextlib import contextmanager
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from unittest import mock

from django.utils import timezone

from members.services import lock_member
from rewards.ledger.postings import Posting
from rewards.models import LedgerEntry


def moment(year, month, day, hour=12) -> datetime:
    return timezone.make_aware(datetime(year, month, day, hour))


@contextmanager
def at(when: datetime):
    """Run services as if it were ``when`` (redemptions are dated by the clock)."""
    with mock.patch("django.utils.timezone.now", return_value=when):
        yield


def units(value) -> int:
    return int(Decimal(value).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def expire(member, points: int, when: datetime, key: str):
    """Expire ``points`` of a member's spendable points (the expiry job is another issue's)."""
    from django.db import transaction

    with transaction.atomic():
        locked = lock_member(member.pk)
        posting = Posting(
            member=locked, kind=LedgerEntry.Kind.EXPIRE, idempotency_key=key, effective_at=when
        )
        posting.take(points, now=when)
        return posting.post(description="expired")
