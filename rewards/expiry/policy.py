"""The expiry policy, read in one place: when points expire, which open lots are due.

``expires_at`` is the policy itself (fixed months after earning, or months after the
member's last activity); ``inactivity_cutoff`` is the same rule turned round for the
queries that look for inactive members.
"""

from datetime import datetime

from django.db.models import (
    Exists,
    OuterRef,
    Q,
)
from django.utils import timezone

from loyalty.dates import add_months

from ..models import (
    LedgerEntry,
    PointLot,
    Program,
)

# What resets the inactivity clock: the member earned (a purchase, a referral or action
# bonus, a staff credit) or redeemed. An expiry or a release is not activity.
ACTIVITY_KINDS = (
    LedgerEntry.Kind.EARN,
    LedgerEntry.Kind.REDEEM,
    LedgerEntry.Kind.REFERRAL,
    LedgerEntry.Kind.ACTION,
    LedgerEntry.Kind.ADJUST,
)


def open_lots():
    """Lots that still hold spendable points (debt lots never expire; pending lots wait)."""
    return PointLot.objects.filter(status=PointLot.Status.AVAILABLE, is_debt=False, remaining__gt=0)


def inactivity_cutoff(program: Program, as_of: datetime) -> datetime | None:
    """Under the inactivity policy: a member whose last activity is not after this is inactive."""
    if program.expiry_policy != Program.Expiry.INACTIVITY or not program.expiry_months:
        return None
    return add_months(as_of, -program.expiry_months)


def due_filter(program: Program, as_of: datetime) -> Q:
    """Which open lots are due at ``as_of``.

    A lot with its own expiry date is due once the date has passed, whatever the policy
    is now (a policy change applies to future lots unless staff apply it to open ones).
    Under the inactivity policy, every open lot of an inactive member is due as well.
    """
    due = Q(expires_at__lte=as_of)
    cutoff = inactivity_cutoff(program, as_of)
    if cutoff is not None:
        recent = LedgerEntry.objects.filter(
            member_id=OuterRef("member_id"), kind__in=ACTIVITY_KINDS, effective_at__gt=cutoff
        )
        due |= ~Exists(recent)
    return due


def aware(as_of: datetime | None) -> datetime:
    as_of = as_of or timezone.now()
    if timezone.is_naive(as_of):
        raise ValueError("as_of must carry a time zone")
    return as_of


def expires_at(
    program: Program,
    *,
    earned_at: datetime | None = None,
    last_activity: datetime | None = None,
) -> datetime | None:
    """When points expire under the program's policy (None: never, or not by this rule).

    Fixed policy: ``expiry_months`` after the points were earned (``earned_at``).
    Inactivity policy: ``expiry_months`` after the member's last activity
    (``last_activity``): lots have no date of their own, the whole balance lapses.
    """
    months = program.expiry_months
    if not months:
        return None
    if program.expiry_policy == Program.Expiry.FIXED and earned_at is not None:
        return add_months(earned_at, months)
    if program.expiry_policy == Program.Expiry.INACTIVITY and last_activity is not None:
        return add_months(last_activity, months)
    return None


def lot_expiry(program: Program, earned_at: datetime) -> datetime | None:
    """The expiry date a new lot earned at ``earned_at`` gets (None under inactivity or never)."""
    return expires_at(program, earned_at=earned_at)
