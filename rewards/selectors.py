"""Reads of the ledger (balances, history, consistency) and of the earn settings' bounds."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils import timezone

from loyalty.db import consistent_snapshot
from members.models import Member, Tier

from .earning.rules import most_points
from .ledger.postings import lapsed
from .models import EarnRule, LedgerEntry, LotMovement, PointLot, Program


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
    of their movements. They read one snapshot: taken apart, a purchase committed
    between two of them would show as drift that is not there.
    """
    with consistent_snapshot():
        return _drift(member_ids)


def _drift(member_ids) -> list[dict]:
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


# ---------------------------------------------------------------- the settings' bounds


def most_points_per_purchase(*, program=None, rule=None, tier=None) -> int:
    """The most one purchase could earn (``rewards.earning.rules.most_points``): the largest
    purchase with the highest tier and every active rule at once, with ``program``,
    ``rule`` or ``tier`` as they are being edited in place of their saved versions."""
    program = program or Program.get()
    rules = [r for r in EarnRule.objects.filter(active=True) if rule is None or r.pk != rule.pk]
    if rule is not None and rule.active:
        rules.append(rule)
    tiers = [t.earn_multiplier for t in Tier.objects.all() if tier is None or t.pk != tier.pk]
    if tier is not None and tier.earn_multiplier is not None:
        tiers.append(tier.earn_multiplier)
    return most_points(
        max_amount=program.max_purchase_amount,
        earn_points=program.earn_points,
        earn_per_amount=program.earn_per_amount,
        tier_multiplier=max([Decimal(1), *tiers]),
        rule_multipliers=[
            r.multiplier for r in rules if r.kind == EarnRule.Kind.MULTIPLIER and r.multiplier
        ],
        bonuses=[r.bonus_points or 0 for r in rules if r.kind == EarnRule.Kind.BONUS],
    )


def _windows_meet(a: EarnRule, b: EarnRule) -> bool:
    starts = [s for s in (a.starts_at, b.starts_at) if s]
    ends = [e for e in (a.ends_at, b.ends_at) if e]
    return not (starts and ends and max(starts) >= min(ends))


def _scopes_meet(a: EarnRule, b: EarnRule) -> bool:
    """Rules on different categories (or SKUs) never apply to the same line."""
    for name in ("category", "sku"):
        mine, theirs = getattr(a, name).lower(), getattr(b, name).lower()
        if mine and theirs and mine != theirs:
            return False
    return True


def overlapping_rules(rule: EarnRule) -> list[EarnRule]:
    """The other active rules that can apply to the same purchase as ``rule`` (same days,
    same channel, overlapping dates): their points add up, which may or may not be meant."""
    if not rule.active:
        return []
    days = rule.weekday_set() or frozenset(range(1, 8))
    found = []
    for other in EarnRule.objects.filter(active=True).exclude(pk=rule.pk).select_related("channel"):
        if rule.channel_id and other.channel_id and rule.channel_id != other.channel_id:
            continue
        if not days & (other.weekday_set() or frozenset(range(1, 8))):
            continue
        if _windows_meet(rule, other) and _scopes_meet(rule, other):
            found.append(other)
    return found
