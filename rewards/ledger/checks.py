"""Checks every ledger write shares: the member is active, events keep their order."""

from datetime import datetime

from django.utils import timezone

from loyalty.errors import ApplicationError
from members.models import Member


def check_active(member: Member, *, action: str) -> Member:
    if member.status != Member.Status.ACTIVE:
        raise ApplicationError(
            f"The member {member.email} is {member.status} and cannot {action}.",
            code="member_not_active",
            field="member",
        )
    return member


def not_before(moment: datetime, earliest: datetime, *, what: str, of: str) -> None:
    """An event dated when it happened can never precede the event it undoes."""
    if moment < earliest:
        raise ApplicationError(
            f"The {what} date cannot be before the {of} "
            f"({timezone.localtime(earliest):%Y-%m-%d %H:%M}).",
            code=f"before_{of}",
            field="effective_at" if what != "refund" else "refunded_at",
        )
