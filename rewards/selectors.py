"""Reads of the points ledger: balances, history, and the ledger's own consistency check."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q, Sum
from django.utils import timezone

from members.models import Member

from .ledger import lapsed
from .models import LedgerEntry, LotMovement, PointLot


@dataclass(frozen=True)
class Expiring:
    expires_at: datetime
    points: int


@dataclass(frozen=True)
class Balance:
    """A member's points as they stand now: the one answer every page, endpoint and
    redemption gives, whether or not the nightly expiry job has run yet."""

    points: int  # available points not past their expiry date, less any debt (may be < 0)
    pending: int  # earned, not yet spendable (return window)
    lapsed: int  # past their expiry date, not yet written off by the expiry job
    expiring: tuple[Expiring, ...]  # spendable points by expiry date within the horizon

    @property
    def spendable(self) -> int:
        return max(self.points, 0)

    @property
    def debt(self) -> int:
        return max(-self.points, 0)


def member_balance(member: Member, *, now: datetime | None = None, soon_days: int = 30) -> Balance:
    """Read from the lots (which always equal the ledger), not from the cached balance,
    which keeps points past their date until the expiry job writes them off."""
    now = now or timezone.now()
    available = Q(status=PointLot.Status.AVAILABLE)
    totals = PointLot.objects.filter(member=member).aggregate(
        points=Sum("remaining", filter=available & ~lapsed(now)),
        pending=Sum("remaining", filter=Q(status=PointLot.Status.PENDING)),
        lapsed=Sum("remaining", filter=lapsed(now)),
    )
    soon = (
        PointLot.objects.filter(
            available,
            member=member,
            is_debt=False,
            remaining__gt=0,
            expires_at__gt=now,
            expires_at__lte=now + timedelta(days=soon_days),
        )
        .values("expires_at")
        .annotate(points=Sum("remaining"))
        .order_by("expires_at")
    )
    return Balance(
        points=totals["points"] or 0,
        pending=totals["pending"] or 0,
        lapsed=totals["lapsed"] or 0,
        expiring=tuple(Expiring(row["expires_at"], row["points"]) for row in soon),
    )


def ledger_drift(member_ids=None) -> list[dict]:
    """Members whose cached balances, ledger sums and lots disagree (empty when all agree).

    Four set-based aggregates, whatever the number of members: the cached balances,
    the ledger sums, the lot sums, and lots whose remaining points differ from the sum
    of their movements.
    """
    members = Member.objects.all()
    if member_ids is not None:
        members = members.filter(pk__in=member_ids)
    cached = {m["pk"]: m for m in members.values("pk", "email", "points_balance", "pending_points")}
    ledger = {
        row["member_id"]: row
        for row in LedgerEntry.objects.filter(member_id__in=cached)
        .values("member_id")
        .annotate(points=Sum("points"), pending=Sum("pending_points"))
        .order_by()
    }
    lots = {
        row["member_id"]: row
        for row in PointLot.objects.filter(member_id__in=cached)
        .values("member_id")
        .annotate(
            available=Sum("remaining", filter=Q(status=PointLot.Status.AVAILABLE)),
            pending=Sum("remaining", filter=Q(status=PointLot.Status.PENDING)),
        )
        .order_by()
    }
    movements = {
        row["lot"]: row["total"]
        for row in LotMovement.objects.filter(lot__member_id__in=cached)
        .values("lot")
        .annotate(total=Sum("points"))
        .order_by()
    }
    bad_lots: dict[int, list[int]] = {}
    for lot in PointLot.objects.filter(member_id__in=cached).values("pk", "member_id", "remaining"):
        if movements.get(lot["pk"], 0) != lot["remaining"]:
            bad_lots.setdefault(lot["member_id"], []).append(lot["pk"])

    drift = []
    for pk, member in cached.items():
        led = ledger.get(pk, {})
        lot = lots.get(pk, {})
        figures = {
            "cached_balance": member["points_balance"],
            "ledger_balance": led.get("points") or 0,
            "lots_balance": lot.get("available") or 0,
            "cached_pending": member["pending_points"],
            "ledger_pending": led.get("pending") or 0,
            "lots_pending": lot.get("pending") or 0,
        }
        balances = {figures["cached_balance"], figures["ledger_balance"], figures["lots_balance"]}
        pendings = {figures["cached_pending"], figures["ledger_pending"], figures["lots_pending"]}
        if len(balances) > 1 or len(pendings) > 1 or pk in bad_lots:
            drift.append(
                {
                    "member_id": pk,
                    "email": member["email"],
                    **figures,
                    "bad_lots": bad_lots.get(pk, []),
                }
            )
    return drift


def member_lots(member: Member):
    return PointLot.objects.filter(member=member).order_by(
        "status", "expires_at", "earned_at", "pk"
    )


def expiring_soon(member: Member, *, days: int = 30) -> list[dict]:
    """Spendable points by expiry date within the next ``days`` days."""
    now = timezone.now()
    rows = (
        PointLot.objects.filter(
            member=member,
            is_debt=False,
            remaining__gt=0,
            expires_at__gt=now,
            expires_at__lte=now + timezone.timedelta(days=days),
        )
        .values("expires_at")
        .annotate(points=Sum("remaining"))
        .order_by("expires_at")
    )
    return list(rows)


def lapsed_points(member_ids, *, now: datetime | None = None) -> dict[int, int]:
    """Points past their expiry date and not yet written off, by member (absent: none).

    For lists of members in one query: a member's cached balance less these is
    ``member_balance(member).points``, the figure that can be spent now.
    """
    rows = (
        PointLot.objects.filter(lapsed(now or timezone.now()), member_id__in=list(member_ids))
        .values("member_id")
        .annotate(points=Sum("remaining"))
        .order_by()
    )
    return {row["member_id"]: row["points"] for row in rows}
