"""Ledger primitives used by the services: post an entry, credit a lot, take points FIFO.

Every function here expects to run inside ``transaction.atomic()`` with the member row
already locked (``Member.lock``); the services guarantee it. Lots are changed through
``Posting`` so that each entry's movements and the cached balances move together.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection
from django.db.models import F, Q, Sum
from django.utils import timezone

from loyalty.db import insert_values, saved
from members.models import Member

from ..models import LedgerEntry, LotMovement, PointLot

SPEND_ORDER = (F("expires_at").asc(nulls_last=True), "earned_at", "pk")


@dataclass
class Posting:
    """An entry being built: its movements, applied to the lots and the member at ``post``."""

    member: Member
    kind: str
    idempotency_key: str
    effective_at: datetime = field(default_factory=timezone.now)
    moves: list[tuple[PointLot, int]] = field(default_factory=list)
    new_lots: list[PointLot] = field(default_factory=list)

    def move(self, lot: PointLot, points: int) -> None:
        if points:
            lot.remaining += points
            self.moves.append((lot, points))

    def _spendable(self, now: datetime | None) -> list[PointLot]:
        """Spendable lots in spending order, as this posting sees them (with its own changes)."""
        now = now or timezone.now()
        mine = {lot.pk: lot for lot, _ in self.moves if lot.pk is not None}
        lots = {lot.pk: mine.get(lot.pk, lot) for lot in spendable_lots(self.member, now=now)}
        for pk, lot in mine.items():
            usable = lot.status == PointLot.Status.AVAILABLE and not lot.is_debt
            if pk not in lots and usable and (lot.expires_at is None or lot.expires_at > now):
                lots[pk] = lot
        return sorted(
            (lot for lot in lots.values() if lot.remaining > 0),
            key=lambda lot: (lot.expires_at is None, lot.expires_at or now, lot.earned_at, lot.pk),
        )

    def credit(
        self,
        points: int,
        *,
        pending_until: datetime | None = None,
        expires_at: datetime | None = None,
        purchase=None,
    ) -> PointLot:
        """A new lot of ``points``; pending (not spendable) until ``pending_until``."""
        pending = pending_until is not None and pending_until > timezone.now()
        lot = PointLot(
            member=self.member,
            purchase=purchase,
            status=PointLot.Status.PENDING if pending else PointLot.Status.AVAILABLE,
            points=points,
            remaining=0,
            earned_at=self.effective_at,
            available_at=pending_until if pending else None,
            expires_at=expires_at,
        )
        self.new_lots.append(lot)
        self.move(lot, points)
        return lot

    def take(self, points: int, *, lots=None, now: datetime | None = None) -> int:
        """Take up to ``points`` from spendable lots, soonest expiry first. Returns what it took.

        Lots whose expiry has passed are never spent, even if the expiry job has not run yet.
        """
        if lots is None:
            lots = self._spendable(now)
        taken = 0
        for lot in lots:
            if taken >= points:
                break
            part = min(lot.remaining, points - taken)
            if part > 0:
                self.move(lot, -part)
                taken += part
        return taken

    def add_debt(self, points: int) -> None:
        """Record ``points`` owed, on the member's debt lot (created on first use)."""
        debt = (
            PointLot.objects.select_for_update()
            .filter(member=self.member, is_debt=True)
            .order_by("pk")
            .first()
        )
        if debt is None:
            debt = PointLot(
                member=self.member,
                status=PointLot.Status.AVAILABLE,
                is_debt=True,
                points=0,
                remaining=0,
                earned_at=self.effective_at,
            )
            self.new_lots.append(debt)
        self.move(debt, -points)

    def settle_debt(self) -> None:
        """Pay an outstanding debt from spendable points (the newest credit included)."""
        if self.member.points_balance >= 0:
            return  # a debt always shows as a negative balance: nothing to settle
        debt = (
            PointLot.objects.select_for_update()
            .filter(member=self.member, is_debt=True, remaining__lt=0)
            .first()
        )
        if debt is None:
            return
        # The lots of this posting come first: they are what the member just earned.
        fresh = [lot for lot in self.new_lots if not lot.is_debt and lot.status == "available"]
        owed = -debt.remaining
        paid = self.take(owed, lots=fresh)
        if paid < owed:
            paid += self.take(owed - paid)
        self.move(debt, paid)

    def _one_new_lot(self) -> bool:
        """Is this posting a credit to one new lot, and nothing else (most postings are)?"""
        if len(self.new_lots) != 1 or len(self.moves) != 1:
            return False
        lot, points = self.moves[0]
        return lot is self.new_lots[0] and points == lot.points == lot.remaining

    def post(self, **fields) -> LedgerEntry:
        """Write the entry, its lots and movements, and update the cached balances."""
        points = pending = 0
        for lot, delta in self.moves:
            if lot.status == PointLot.Status.PENDING:
                pending += delta
            else:
                points += delta
        points += fields.pop("extra_points", 0)
        pending += fields.pop("extra_pending", 0)
        entry = LedgerEntry(
            member=self.member,
            kind=self.kind,
            points=points,
            pending_points=pending,
            effective_at=self.effective_at,
            idempotency_key=self.idempotency_key,
            **fields,
        )
        if self._one_new_lot() and connection.vendor == "postgresql":
            _post_credit(entry, self.new_lots[0], points, pending)
            return entry
        entry.save(force_insert=True)
        for lot in self.new_lots:
            lot.entry = entry
        PointLot.objects.bulk_create(self.new_lots)
        changed = {id(lot): lot for lot, _ in self.moves if lot not in self.new_lots}
        if changed:
            PointLot.objects.bulk_update(list(changed.values()), ["remaining"])
        LotMovement.objects.bulk_create(
            LotMovement(entry=entry, lot=lot, points=delta) for lot, delta in self.moves
        )
        if points or pending:
            Member.objects.filter(pk=self.member.pk).update(
                points_balance=F("points_balance") + points,
                pending_points=F("pending_points") + pending,
            )
            self.member.points_balance += points
            self.member.pending_points += pending
        return entry


def _post_credit(entry: LedgerEntry, lot: PointLot, points: int, pending: int) -> None:
    """Write a credit to one new lot in ONE statement (PostgreSQL): the entry, the lot,
    its movement and the member's cached balances.

    The same rows as the general path of ``Posting.post`` (the tests compare them), in
    one round trip instead of four ORM statements, whose compilation cost more than
    the database's work. Like ``bulk_create``, no model signal is sent.
    """
    entry_columns, entry_values = insert_values(entry, connection)
    lot_columns, lot_values = insert_values(lot, connection, skip=("entry_id",))

    def marks(values):
        return ", ".join(["%s"] * len(values))

    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH e AS (INSERT INTO {LedgerEntry._meta.db_table} ({entry_columns}) "  # noqa: S608
            f"VALUES ({marks(entry_values)}) RETURNING id), "
            f"l AS (INSERT INTO {PointLot._meta.db_table} ({lot_columns}, entry_id) "
            f"VALUES ({marks(lot_values)}, (SELECT id FROM e)) RETURNING id), "
            f"m AS (INSERT INTO {LotMovement._meta.db_table} (entry_id, lot_id, points) "
            "VALUES ((SELECT id FROM e), (SELECT id FROM l), %s)), "
            f"b AS (UPDATE {Member._meta.db_table} SET points_balance = points_balance + %s, "
            "pending_points = pending_points + %s WHERE id = %s) "
            "SELECT (SELECT id FROM e), (SELECT id FROM l)",
            [*entry_values, *lot_values, lot.points, points, pending, entry.member_id],
        )
        entry_id, lot_id = cursor.fetchone()
    saved(entry, entry_id, connection)
    saved(lot, lot_id, connection)
    lot.entry = entry
    entry.member.points_balance += points
    entry.member.pending_points += pending


def spendable_lots(member: Member, *, now: datetime | None = None):
    """The member's lots that can be spent now, locked, in spending order."""
    now = now or timezone.now()
    return list(
        PointLot.objects.select_for_update()
        .filter(member=member, status=PointLot.Status.AVAILABLE, is_debt=False, remaining__gt=0)
        .exclude(expires_at__lte=now)
        .order_by(*SPEND_ORDER)
    )


def lapsed(now: datetime) -> Q:
    """Lots whose points are past their expiry date, whether or not the job has run."""
    return Q(status=PointLot.Status.AVAILABLE, is_debt=False, remaining__gt=0, expires_at__lte=now)


def spendable_points(member: Member, *, now: datetime | None = None) -> int:
    """Points the member can spend now: available points not past their expiry date, less
    any debt (``rewards.selectors.member_balance(...).spendable``, in one aggregate)."""
    now = now or timezone.now()
    total = (
        PointLot.objects.filter(member=member, status=PointLot.Status.AVAILABLE)
        .exclude(lapsed(now))
        .aggregate(total=Sum("remaining"))["total"]
    )
    return max(total or 0, 0)
