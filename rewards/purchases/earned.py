"""What a recorded purchase earns, and how its entry and lot are dated: one rule for every path.

The live path (``recording.record_purchase``) and the bulk import
(``rewards.importing.batchrows``) both ask here: why a purchase earns nothing, the
breakdown it then shows, the earn entry's key and wording, and the credit's dates (when
it counts, until when it is pending, when it expires).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from members.models import Member

from ..expiry.policy import lot_expiry
from ..models import Program


def no_points_reason(member, *, award_points: bool = True, refunded: bool = False) -> str | None:
    """Why a purchase earns no points whatever the rules say (None: it earns what they say).

    ``member`` is anything with a ``status`` (the import keeps light copies), or None.
    """
    if refunded:
        return "refunded before the import"
    if member is None:
        return "not a member"
    if member.status != Member.Status.ACTIVE:
        return f"member is {member.status}: no points"
    if not award_points:
        return "points not awarded"
    return None


def no_points_breakdown(reason: str) -> list[dict]:
    """The earn breakdown of a purchase that earns nothing, saying why."""
    return [{"rule_id": None, "rule": reason, "points": 0}]


def earn_key(purchase_id: int) -> str:
    """The idempotency key of a purchase's earn entry: one per purchase, whichever path."""
    return f"purchase:{purchase_id}:earn"


def earn_description(order_id: str) -> str:
    return f"Purchase #{order_id}"[:255]


@dataclass(frozen=True)
class Credit:
    """The dates of a purchase's points: when they count, pending until, expire at."""

    effective_at: datetime
    pending_until: datetime | None
    expires_at: datetime | None

    def pending(self, now: datetime) -> bool:
        return self.pending_until is not None and self.pending_until > now


def credit_dates(
    program: Program,
    purchased_at: datetime,
    *,
    now: datetime,
    as_of_today: bool = False,
    expiry=lot_expiry,
) -> Credit:
    """The points count from the purchase date, pending for the program's return window
    and expiring by its policy counted from the same date; a purchase recorded late (or
    imported) is treated as of its own date. ``as_of_today``: an import that credits a
    welcome balance now, never pending. ``expiry``: ``lot_expiry`` or a memoised copy."""
    effective = now if as_of_today else purchased_at
    window = timedelta(days=program.return_window_days)
    pending_until = None if as_of_today or not window else purchased_at + window
    return Credit(effective, pending_until, expiry(program, effective))
