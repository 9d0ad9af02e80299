"""The import of historical purchases: validate the whole file, then write it in batches.

Pass 1 streams the file and checks every row (values, channel, duplicates inside the
file and against the database, who the member is) keeping only compact keys in memory.
If any row is invalid and ``skip_invalid`` is off, nothing is written. Pass 2 streams
the file again inside one transaction: new members first, then purchases, ledger
entries, lots and movements in batches, then the expiry of points whose date has
passed. Points come from ``earning.calculate``, the same pure function as a live purchase.
"""

import csv
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from loyalty.cells import safe_cell
from loyalty.errors import ApplicationError
from members.models import Member, new_card_codes

from .. import allocation, config, earning, services, signals, validation
from ..ledger import lot_expiry
from ..models import (
    Channel,
    LedgerEntry,
    LotMovement,
    PointLot,
    Purchase,
    PurchaseLine,
)
from .expiry import finish_import
from .parsing import ImportFileError, Reader, Row, RowError
from .scratch import Scratch
from .writer import Breakdown, Writer

log = logging.getLogger(__name__)

MAX_ERRORS_KEPT = 200
MEMBER_CACHE = 150_000  # members remembered between batches (about 50 MB at most)
BASE_TIER = (Decimal(1), "")


class _Member:
    """What the import needs of a member (slots: 150,000 of them stay small)."""

    __slots__ = ("pk", "email", "status", "points_balance", "tier")

    def __init__(self, pk, email, status, points_balance, tier=BASE_TIER):
        self.pk, self.email, self.status = pk, email, status
        self.points_balance, self.tier = points_balance, tier


@dataclass
class Options:
    preset: str | None = None
    mapping: dict[str, str] = field(default_factory=dict)
    channel: str = ""
    dry_run: bool = False
    skip_invalid: bool = False
    award_points: bool = True
    points_as_of_today: bool = False
    create_members: bool | None = None  # None: the program's auto-enrolment setting
    decimal_comma: bool = False
    encoding: str | None = None
    batch_size: int = 10_000
    rejected_path: str | None = None  # default: <input>.rejected.csv
    preview_rows: int = 0


@dataclass
class Report:
    rows_read: int = 0
    purchases_created: int = 0
    duplicates_skipped: int = 0
    changed: int = 0
    members_created: int = 0
    points_awarded: int = 0
    points_pending: int = 0
    points_expired: int = 0
    members_expired: int = 0
    rejected: int = 0
    not_a_sale: int = 0
    without_member: int = 0
    refunded: int = 0
    errors: list[RowError] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # about the whole file, said once
    rejected_path: str = ""
    preview: list[dict] = field(default_factory=list)
    dry_run: bool = False
    written: bool = False
    seconds: float = 0.0

    def as_dict(self) -> dict:
        data = {k: v for k, v in self.__dict__.items() if k not in ("errors", "preview")}
        data["errors"] = [e.__dict__ for e in self.errors]
        data["preview"] = self.preview
        return data


class ImportRejected(Exception):
    """All-or-nothing import with invalid rows: nothing was written (the report says why)."""

    def __init__(self, report: Report):
        self.report = report
        super().__init__(
            "".join(f"{problem}; " for problem in report.problems)
            + f"{report.rejected} invalid row(s): nothing was imported"
            + (f"; see {report.rejected_path}" if report.rejected_path else "")
        )


Progress = Callable[[str, int, int, int], None]  # phase, rows, bytes read, total bytes


def _batches(rows, size):
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class _Rejects:
    """The rejected rows' CSV: row, column, reason, then the original cells (opened lazily)."""

    def __init__(self, path: Path):
        self.path = path
        self._file = None
        self._writer = None
        self.headers: list[str] = []

    def write(self, row: Row, reason: str, column: str = "") -> None:
        if self._writer is None:
            self._file = open(self.path, "w", newline="", encoding="utf-8")  # noqa: SIM115
            self._writer = csv.writer(self._file)
            self._writer.writerow(
                [safe_cell(cell) for cell in ["row", "column", "reason", *self.headers]]
            )
        # The cells are the uploaded file's, as they came: a spreadsheet must not run them.
        self._writer.writerow([safe_cell(cell) for cell in [row.row, column, reason, *row.raw]])

    def close(self) -> str:
        if self._file is not None:
            self._file.close()
            return str(self.path)
        return ""


class Importer:
    def __init__(self, path, options: Options | None = None, progress: Progress | None = None):
        self.path = Path(path)
        self.options = options or Options()
        self.progress = progress or (lambda *args: None)
        self.report = Report(dry_run=self.options.dry_run)
        # The same settings a live purchase reads (read only: shared by the process).
        settings_now = config.current()
        self.program = settings_now.program
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self.now = timezone.now()
        self.channels = settings_now.channels
        self.create_members = (
            self.program.auto_enroll
            if self.options.create_members is None
            else self.options.create_members
        )
        self.rules = settings_now.rules
        self.settings_now = settings_now
        self.tier_ids = {tier.name: tier.pk for tier in settings_now.tiers}
        self.rates = settings_now.rates
        self._allocations: dict = {}
        self._earn_cache: dict = {}
        self._expiry_days: dict = {}
        self._by_email: dict[str, _Member] = {}
        self._channel_has_orders: dict[int, bool] = {}
        self._by_ext: dict[str, _Member] = {}
        self._absent_emails: set[str] = set()
        self._absent_exts: set[str] = set()
        self.postgres = connection.vendor == "postgresql"
        # Marks this import's entries, so that the set-based end finds exactly them.
        self.reference = f"import:{secrets.token_hex(8)}"
        self.found_existing = False
        self._windows = [
            (rule.starts_at, rule.ends_at, rule.weekday_set() if rule.weekdays else None)
            for rule in self.rules
        ]
        self.tier_field = any(f.name == "tier" for f in Member._meta.get_fields())

    # ------------------------------------------------------------ helpers

    def _reader(self) -> Reader:
        channel = self.options.channel
        if not channel:
            channel = "web" if "web" in self.channels else ""
            if not channel and len(self.channels) == 1:
                channel = next(iter(self.channels))
        return Reader(
            self.path,
            preset=self.options.preset,
            mapping=self.options.mapping,
            default_channel=channel,
            default_currency=self.program.currency,
            tz=self.tz,
            now=self.now,
            limits=validation.limits(self.program),
            decimal_comma=self.options.decimal_comma,
            encoding=self.options.encoding,
        )

    def _channel_error(self, row: Row) -> RowError:
        return RowError(row.row, "channel", self._channel_problem(row.channel))

    def _channel_problem(self, code: str) -> str:
        known = ", ".join(sorted(self.channels)) or "none (add one in the admin)"
        if not code:
            return f"the file has no channel column and no channel was chosen; channels: {known}"
        return f"channel {code!r} does not exist; channels: {known}"

    def _has_orders(self, channel: Channel) -> bool:
        """Whether the channel had any order when the import began (a first import: none).

        An order recorded on it during the import would hit the unique key when the rows
        are written, which rolls the import back with a clear error.
        """
        if channel.pk not in self._channel_has_orders:
            self._channel_has_orders[channel.pk] = Purchase.objects.filter(channel=channel).exists()
        return self._channel_has_orders[channel.pk]

    def _existing_purchases(self, rows: list[Row]) -> dict[tuple[str, str], dict]:
        by_channel: dict[str, list[str]] = {}
        for row in rows:
            by_channel.setdefault(row.channel, []).append(row.order_id)
        found = {}
        for code, order_ids in by_channel.items():
            channel = self.channels.get(code)
            if channel is None or not self._has_orders(channel):
                continue
            query = Purchase.objects.filter(channel=channel)
            if self.postgres:  # one array parameter, not 10,000 placeholders
                query = query.extra(where=["order_id = ANY(%s)"], params=[order_ids])
            else:
                query = query.filter(order_id__in=order_ids)
            for purchase in query.values(
                "order_id", "amount", "purchased_at", "member__email", "status"
            ):
                found[(code, purchase["order_id"])] = purchase
        return found

    @staticmethod
    def _difference(row: Row, existing: dict) -> str:
        changes = []
        if existing["amount"] != row.amount:
            changes.append(f"amount {existing['amount']} -> {row.amount}")
        if existing["purchased_at"] != row.purchased_at:
            changes.append(
                f"date {existing['purchased_at'].isoformat()} -> {row.purchased_at.isoformat()}"
            )
        if row.email and (existing["member__email"] or "") != row.email:
            changes.append(f"member {existing['member__email'] or 'none'} -> {row.email}")
        return ", ".join(changes)

    def _members(self, rows: list[Row]) -> tuple[dict, dict]:
        """The rows' members, by lower-case email and by external id.

        Members already looked up (and those the import created) are remembered, up to
        ``MEMBER_CACHE`` of them, so that a customer with many orders costs one look-up for
        the whole file rather than one per batch; emails and ids known to be absent too,
        until the import creates members. The returned mappings may hold other members.
        """
        all_emails = {row.email for row in rows if row.email}
        all_exts = {row.customer_id for row in rows if row.customer_id}
        emails = all_emails - self._absent_emails - self._by_email.keys()
        exts = all_exts - self._absent_exts - self._by_ext.keys()
        if not (emails or exts):
            return self._by_email, self._by_ext
        if len(self._by_email) + len(emails) > MEMBER_CACHE:
            # A fresh start keeps memory bounded at any size; the batch's own members are
            # all looked up again, so none of them is forgotten while it is being used.
            self._by_email, self._by_ext = {}, {}
            emails, exts = all_emails - self._absent_emails, all_exts - self._absent_exts
        fields = ["id", "email", "external_id", "status", "points_balance"]
        if self.postgres:
            query = Member.objects.extra(
                where=["(lower(email) = ANY(%s) OR external_id = ANY(%s))"],
                params=[list(emails), list(exts)],
            )
        else:
            query = Member.objects.annotate(email_lower=Lower("email")).filter(
                Q(email_lower__in=emails) | Q(external_id__in=exts)
            )
        if self.tier_field:
            fields += ["tier__earn_multiplier", "tier__name"]
        for values in query.values(*fields):  # plain values: no model instances per row
            multiplier = values.get("tier__earn_multiplier")
            self._remember(
                _Member(
                    values["id"],
                    values["email"],
                    values["status"],
                    values["points_balance"],
                    (multiplier, values["tier__name"] or "") if multiplier else BASE_TIER,
                ),
                values["external_id"],
            )
        if len(self._absent_emails) + len(self._absent_exts) < MEMBER_CACHE:
            self._absent_emails.update(emails.difference(self._by_email))
            self._absent_exts.update(exts.difference(self._by_ext))
        return self._by_email, self._by_ext

    def _remember(self, member: _Member, external_id: str | None) -> None:
        self._by_email[member.email.lower()] = member
        if external_id:
            self._by_ext[external_id] = member

    # ------------------------------------------------------------ pass 1

    def validate(self, rejects: _Rejects, scratch: Scratch) -> set[int]:
        """Check every row; returns the invalid row numbers (members to create go to scratch)."""
        reader = self._reader()
        invalid: set[int] = set()
        report = self.report

        def reject(row: Row, problems: list[RowError], *, listed: bool = True) -> None:
            report.rejected += 1
            invalid.add(row.row)
            for problem in problems if listed else []:
                if len(report.errors) < MAX_ERRORS_KEPT:
                    report.errors.append(problem)
            rejects.write(
                row, "; ".join(p.reason for p in problems), "; ".join(p.column for p in problems)
            )

        unknown_channels: set[str] = set()

        first_batch = True
        for batch in _batches(iter(reader), self.options.batch_size):
            if first_batch:
                rejects.headers = reader.headers
                first_batch = False
            report.rows_read += len(batch)
            good = []
            for row in batch:
                if row.channel not in self.channels:  # said once for the file, not per row
                    unknown_channels.add(row.channel)
                    if not row.errors:
                        reject(row, [self._channel_error(row)], listed=False)
                        continue
                if row.errors:
                    reject(row, row.errors)
                elif row.status == "skip":
                    report.not_a_sale += 1
                else:
                    good.append(row)
            scratch.add_keys([(f"{row.channel}\x1f{row.order_id}", row.row) for row in good])
            existing = self._existing_purchases(good)
            self.found_existing = self.found_existing or bool(existing)
            by_email, by_ext = self._members(good)
            unknown = []
            for row in good:
                found = existing.get((row.channel, row.order_id))
                if found is not None:
                    difference = self._difference(row, found)
                    if difference:
                        report.changed += 1
                        rejects.write(
                            row,
                            f"The order {row.order_id} is already recorded with different values "
                            f"({difference}): not applied.",
                            "order_id",
                        )
                    else:
                        report.duplicates_skipped += 1
                elif not (row.customer_id in by_ext or row.email in by_email):
                    unknown.append(row)
            self._new_members(unknown, scratch, reject)
            connection.queries_log.clear()  # DEBUG keeps every query's SQL: 10,000 emails each
            self.progress("validating", report.rows_read, reader.bytes_read, reader.total_bytes)

        report.problems += [self._channel_problem(code) for code in sorted(unknown_channels)]
        repeated = scratch.repeated_rows()
        if repeated:
            for row in self._reader():
                if row.row in repeated and row.row not in invalid:
                    reject(
                        row,
                        [
                            RowError(
                                row.row,
                                "order_id",
                                f"The order {row.order_id} (channel {row.channel}) "
                                "appears more than once in the file.",
                            )
                        ],
                    )
        return invalid

    def _new_members(self, rows: list[Row], scratch: Scratch, reject) -> None:
        """Rows of customers not in the database: members to create (or not), or errors."""
        with_email = [row for row in rows if row.email]
        if self.create_members and with_email:
            scratch.add_members(
                [(r.email, r.purchased_at, r.first_name, r.last_name) for r in with_email]
            )
            scratch.add_exts([(r.customer_id, r.email) for r in with_email if r.customer_id])
        without = [row for row in rows if not row.email]
        if not without:
            return
        emails = scratch.emails_of({row.customer_id for row in without})
        later = []
        for row in without:
            email = emails.get(row.customer_id)
            if email is None:
                reject(
                    row,
                    [
                        RowError(
                            row.row,
                            "customer_id",
                            f"The customer id {row.customer_id!r} is unknown and there is no "
                            "email to enrol a new member.",
                        )
                    ],
                )
            else:
                later.append((email, row.purchased_at, "", ""))
        scratch.add_members(later)

    # ------------------------------------------------------------ pass 2

    def _earn(self, row: Row, channel: Channel, tier: tuple) -> tuple[earning.Earning, Breakdown]:
        """``earning.calculate`` for the row, memoised on everything the result depends on."""
        when = row.purchased_at
        window = tuple(
            not (starts and when < starts)
            and not (ends and when >= ends)
            and not (days and when.isoweekday() not in days)
            for starts, ends, days in self._windows
        )
        lines = tuple((line.sku, line.amount) for line in row.lines) or (
            ((row.sku, row.category),) if (row.sku or row.category) else ()
        )
        key = (channel.pk, row.amount, row.shipping, row.tax, lines, tier, window)
        cached = self._earn_cache.get(key)
        if cached is None:
            result = earning.calculate(
                program=self.program,
                rules=self.settings_now.rules_for(self.tier_ids.get(tier[1])),
                channel=channel,
                amount=row.amount,
                shipping_amount=row.shipping,
                tax_amount=row.tax,
                lines=self._lines(row),
                purchased_at=when,
                tier_multiplier=tier[0],
                tier_name=tier[1],
            )
            services.within_ceiling(result)  # the settings' bounds make this hold
            cached = (result, Breakdown(result.breakdown))
            if len(self._earn_cache) > 5_000:  # bounded: a few MB
                self._earn_cache.clear()
            self._earn_cache[key] = cached
        return cached

    def _allocation(self, row: Row, points: int) -> tuple:
        """The allocation columns of a purchase (``allocation.for_sale``), memoised."""
        if points <= 0:
            return (Decimal("0.00"), None, None, None)
        key = (row.amount, points, row.purchased_at.date())
        found = self._allocations.get(key)
        if found is None:
            found = allocation.for_sale(
                rates=self.rates,
                amount=row.amount,
                points=points,
                point_value=self.program.point_value,
                at=row.purchased_at,
            )
            found = (found.amount, found.rate, found.point_value, found.estimate_id)
            if len(self._allocations) > 5_000:  # bounded
                self._allocations.clear()
            self._allocations[key] = found
        return found

    def _expiry(self, earned_at):
        """``lot_expiry`` of the program, memoised on the date (a million rows, few dates)."""
        day = (earned_at.year, earned_at.month, earned_at.day)
        target = self._expiry_days.get(day, False)
        if target is False:
            expires_at = lot_expiry(self.program, earned_at)
            target = (
                None if expires_at is None else (expires_at.year, expires_at.month, expires_at.day)
            )
            self._expiry_days[day] = target
        if target is None:
            return None
        return earned_at.replace(year=target[0], month=target[1], day=target[2])

    def _lines(self, row: Row) -> list[earning.Line]:
        goods = row.amount - row.shipping - row.tax
        if row.lines:
            return [
                earning.Line(amount=ln.amount, sku=ln.sku, quantity=ln.quantity) for ln in row.lines
            ]
        if row.sku or row.category:
            return [earning.Line(amount=goods, sku=row.sku, category=row.category)]
        return []

    def _create_members(self, scratch: Scratch) -> None:
        self._absent_emails.clear()  # absent no more, once created
        self._absent_exts.clear()
        batch = []
        for email, enrolled_at, ext, first, last in scratch.new_members():
            batch.append((email, enrolled_at, ext, first, last))
            if len(batch) >= 5000:
                self._insert_members(batch)
                batch = []
        if batch:
            self._insert_members(batch)

    def _insert_members(self, batch: list[tuple]) -> None:
        members = [
            Member(
                email=email,
                external_id=ext,
                first_name=first,
                last_name=last,
                enrolled_at=enrolled_at,
                card_code=code,
            )
            for (email, enrolled_at, ext, first, last), code in zip(
                batch, new_card_codes(len(batch)), strict=True
            )
        ]
        Member.objects.bulk_create(members)
        self.report.members_created += len(members)
        if len(self._by_email) + len(members) > MEMBER_CACHE:
            return  # looked up when needed
        for member in members:
            if member.pk is not None:  # databases that return the new ids
                self._remember(
                    _Member(member.pk, member.email, member.status, 0), member.external_id
                )

    def write(self, invalid: set[int], scratch: Scratch) -> None:
        writer = Writer()
        try:
            self._write(invalid, scratch, writer)
        except BaseException:
            writer.close(quiet=True)  # the connection is ours again; the first error wins
            raise
        writer.close()

    def _write(self, invalid: set[int], scratch: Scratch, writer: Writer) -> None:
        self._create_members(scratch)
        reader = self._reader()
        rows = (r for r in reader if r.row not in invalid and r.status != "skip")
        batches = _batches(rows, self.options.batch_size)
        first_pk = last_pk = None
        touched: set[int] = set()
        done = 0
        # Software pipelining: the next batch's look-ups run before this batch's rows are
        # sent, so that building batch k+1 in Python overlaps the database writing batch k.
        batch = next(batches, None)
        found = self._lookups(batch) if batch else None
        while batch:
            ids = self._write_batch(batch, found, writer, touched)
            if ids:
                first_pk = ids[0] if first_pk is None else min(first_pk, ids[0])
                last_pk = ids[-1] if last_pk is None else max(last_pk, ids[-1])
            done += len(batch)
            batch = next(batches, None)  # parsing the file needs no connection
            writer.wait()
            found = self._lookups(batch) if batch else None
            writer.flush()
            connection.queries_log.clear()
            self.progress("importing", done, reader.bytes_read, reader.total_bytes)
        writer.wait()
        if first_pk is not None:
            self.progress("expiring", done, reader.total_bytes, reader.total_bytes)
            expired = finish_import(
                reference=self.reference, expiry_reference=f"{self.reference}:expire", now=self.now
            )
            self.report.points_expired = expired["points"]
            self.report.members_expired = expired["members"]
        if touched:
            signals.purchases_imported.send(sender=Purchase, member_ids=sorted(touched))

    def _lookups(self, batch: list[Row]) -> tuple[dict, dict, dict]:
        """What a batch needs from the database: its orders already recorded, its members."""
        # Without any existing order in pass 1, a concurrent writer of the same orders would
        # hit the unique key and roll the whole import back: no need to look again.
        existing = self._existing_purchases(batch) if self.found_existing else {}
        return (existing, *self._members(batch))

    def _write_batch(
        self, batch: list[Row], found: tuple, writer: Writer, touched: set[int]
    ) -> list[int]:
        existing, by_email, by_ext = found
        program, now, report = self.program, self.now, self.report
        window = timedelta(days=program.return_window_days)
        today = self.options.points_as_of_today
        purchases, plans, lines, fallback = [], [], [], []
        for row in batch:
            if (row.channel, row.order_id) in existing:
                continue  # counted in pass 1 (identical: skipped; changed: reported)
            member = by_ext.get(row.customer_id) if row.customer_id else None
            if member is None and row.email:
                member = by_email.get(row.email)
            channel = self.channels[row.channel]
            tier = member.tier if member is not None else BASE_TIER
            result, breakdown = self._earn(row, channel, tier)
            points = result.points
            status = Purchase.Status.COMPLETED
            refunded = 0
            if row.status == "refunded":
                status, refunded, points = Purchase.Status.REFUNDED, row.amount, 0
                breakdown = Breakdown(
                    [{"rule_id": None, "rule": "refunded before the import", "points": 0}]
                )
                report.refunded += 1
            elif member is None:
                points = 0
                breakdown = Breakdown([{"rule_id": None, "rule": "not a member", "points": 0}])
                report.without_member += 1
            elif member.status != Member.Status.ACTIVE:
                points = 0
                breakdown = Breakdown(
                    [
                        {
                            "rule_id": None,
                            "rule": f"member is {member.status}: no points",
                            "points": 0,
                        }
                    ]
                )
            elif not self.options.award_points:
                points = 0
                breakdown = Breakdown(
                    [{"rule_id": None, "rule": "points not awarded", "points": 0}]
                )
            if points > 0 and member.points_balance < 0:
                fallback.append((row, member))  # a debt to settle: the service does it
                continue
            purchases.append(
                (
                    channel.pk,
                    row.order_id,
                    member.pk if member else None,
                    row.purchased_at,
                    self.program.currency,
                    row.amount,
                    row.shipping,
                    row.tax,
                    result.eligible_amount,
                    refunded,
                    status,
                    points,
                    breakdown,
                    now,
                    *self._allocation(row, points),
                )
            )
            plans.append((row, member, points))
        ids = writer.insert(Purchase, purchases)
        entries, lots = [], []
        for pk, (row, member, points) in zip(ids, plans, strict=True):
            for ln in self._lines(row) if (row.lines or row.sku or row.category) else ():
                lines.append((pk, ln.sku, ln.category, ln.quantity, ln.amount, False, False))
            if points <= 0:
                continue
            touched.add(member.pk)
            effective = now if today else row.purchased_at
            pending_until = None if today or not window else row.purchased_at + window
            pending = pending_until is not None and pending_until > now
            entries.append(
                (
                    member.pk,
                    LedgerEntry.Kind.EARN,
                    0 if pending else points,
                    points if pending else 0,
                    0,
                    f"Purchase #{row.order_id}"[:255],
                    "",
                    pk,
                    self.reference,
                    now,
                    effective,
                    f"purchase:{pk}:earn",
                )
            )
            expires_at = self._expiry(effective)
            # Already past its date: stored at zero, expired by one statement at the end.
            expired = not pending and expires_at is not None and expires_at <= now
            lots.append(
                (
                    member.pk,
                    None,  # the entry's id, filled below
                    pk,
                    PointLot.Status.PENDING if pending else PointLot.Status.AVAILABLE,
                    False,
                    points,
                    0 if expired else points,
                    effective,
                    pending_until if pending else None,
                    expires_at,
                )
            )
            report.points_awarded += points
            if pending:
                report.points_pending += points
        entry_ids = writer.insert(LedgerEntry, entries)
        lots = [(lot[0], eid, *lot[2:]) for lot, eid in zip(lots, entry_ids, strict=True)]
        lot_ids = writer.insert(PointLot, lots)
        writer.insert(
            LotMovement,
            [(eid, lid, lot[5]) for eid, lid, lot in zip(entry_ids, lot_ids, lots, strict=True)],
            ids=False,
        )
        writer.insert(PurchaseLine, lines, ids=False)
        report.purchases_created += len(ids)
        self._preview(plans, ids)
        ids = list(ids)
        if fallback:
            writer.wait()  # the service uses the connection
        for row, member in fallback:
            ids.append(self._through_service(row, member, touched))
        return sorted(ids)

    def _through_service(self, row: Row, member: Member, touched: set[int]) -> int:
        purchase = services.record_purchase(
            channel=row.channel,
            order_id=row.order_id,
            amount=row.amount,
            currency=self.program.currency,
            purchased_at=row.purchased_at,
            member_id=member.pk,
            shipping_amount=row.shipping,
            tax_amount=row.tax,
            lines=[
                {
                    "amount": ln.amount,
                    "sku": ln.sku,
                    "category": ln.category,
                    "quantity": ln.quantity,
                }
                for ln in self._lines(row)
            ]
            if (row.lines or row.sku or row.category)
            else None,
        )
        touched.add(member.pk)
        member.points_balance = Member.objects.values_list("points_balance", flat=True).get(
            pk=member.pk
        )  # remembered for the member's next rows
        self.report.purchases_created += 1
        self.report.points_awarded += purchase.points_earned
        self._preview([(row, member, purchase.points_earned)], [purchase.pk])
        return purchase.pk

    def _preview(self, plans, ids) -> None:
        room = self.options.preview_rows - len(self.report.preview)
        if room <= 0:
            return
        for row, member, points in plans[:room]:
            self.report.preview.append(
                {
                    "row": row.row,
                    "order_id": row.order_id,
                    "member": member.email if member else "",
                    "purchased_at": row.purchased_at.isoformat(),
                    "amount": str(row.amount),
                    "status": row.status,
                    "points": points,
                }
            )

    # ------------------------------------------------------------ run

    def run(self) -> Report:
        started = time.monotonic()
        rejected_path = Path(self.options.rejected_path or f"{self.path}.rejected.csv")
        rejects = _Rejects(rejected_path)
        scratch = Scratch()
        try:
            try:
                invalid = self.validate(rejects, scratch)
            finally:
                self.report.rejected_path = rejects.close()
            if invalid and not self.options.skip_invalid:
                self.report.seconds = time.monotonic() - started
                raise ImportRejected(self.report)
            try:
                with transaction.atomic():
                    self.write(invalid, scratch)
                    if self.options.dry_run:
                        transaction.set_rollback(True)
            except IntegrityError as exc:
                raise ApplicationError(_refusal(exc), code="import_conflict") from None
        finally:
            scratch.close()
        self.report.written = not self.options.dry_run
        self.report.seconds = time.monotonic() - started
        return self.report


def _refusal(exc: IntegrityError) -> str:
    """The database's refusal in the merchant's words (never a constraint's name)."""
    if any(mark in str(exc) for mark in ("purchase_channel_order_uniq", "order_id")):
        return (
            "An order of the file was recorded by another way while the import ran: nothing "
            "was written. Run the import again: it skips the orders already recorded."
        )
    return "The database refused the import: nothing was written."


def import_purchases(path, options: Options | None = None, progress: Progress | None = None):
    """Import a file of historical purchases; returns the ``Report``.

    Raises ``ImportFileError`` when the file cannot be read at all and ``ImportRejected``
    when rows are invalid and ``skip_invalid`` is off (nothing is written then).
    """
    return Importer(path, options, progress).run()


__all__ = [
    "ImportFileError",
    "ImportRejected",
    "Options",
    "Report",
    "import_purchases",
]
