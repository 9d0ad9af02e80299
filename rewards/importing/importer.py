"""The import of historical purchases: validate the whole file, then write it in batches.

Pass 1 streams the file and checks every row (values, channel, duplicates inside the
file and against the database, who the member is) keeping only compact keys in memory.
If any row is invalid and ``skip_invalid`` is off, nothing is written. Pass 2 streams
the file again inside one transaction: new members first, then purchases, ledger
entries, lots and movements in batches, then the expiry of points whose date has
passed. Points come from ``earning.calculate``, the same pure function as a live purchase.
"""

import gc
import logging
import secrets
import time
from contextlib import contextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from loyalty.errors import ApplicationError
from members.models import Member

from .. import signals, validation
from ..earning import config
from ..models import (
    LedgerEntry,
    LotMovement,
    PointLot,
    Purchase,
    PurchaseLine,
)
from .batchrows import BatchRows
from .checking import Checking
from .columns import ImportFileError, Row
from .expiry import finish_import
from .members import ImportedMember, MemberLookup
from .parsing import Reader
from .pricing import Pricing
from .report import (
    ImportRejected,
    Options,
    Progress,
    Rejects,
    Report,
    in_batches,
)
from .scratch import Scratch
from .writer import Writer

log = logging.getLogger(__name__)


class Importer(Checking, MemberLookup, Pricing, BatchRows):
    """One import: pass 1 ``validate``, pass 2 ``write``, ``run`` does both."""

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
        self.settings_now = settings_now  # its rules_for(tier): rules reserved to tiers
        self.tier_ids = {tier.name: tier.pk for tier in settings_now.tiers}
        self.rates = settings_now.rates
        self._allocations: dict = {}
        self._earn_cache: dict = {}
        self._expiry_days: dict = {}
        self._by_email: dict[str, ImportedMember] = {}
        self._channel_has_orders: dict[int, bool] = {}
        self._by_ext: dict[str, ImportedMember] = {}
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

    # ------------------------------------------------------------ pass 2

    def write(self, invalid: set[int], scratch: Scratch) -> None:
        writer = Writer()
        try:
            self._write(invalid, scratch, writer)
        except BaseException:
            writer.close(quiet=True)  # the connection is ours again; the first error wins
            raise
        writer.close()

    def _write(self, invalid: set[int], scratch: Scratch, writer: Writer) -> None:
        self._create_members(scratch, writer)
        spool, tz = scratch.spool, self.tz  # the rows to write, parsed by pass 1
        rows = (
            Row.unspooled(values, tz)
            for part in spool.batches()
            for values in part
            if values[0] not in invalid
        )
        batches = in_batches(rows, self.options.batch_size)
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
            gc.collect(1)
            self.progress("importing", done, spool.position(), spool.total)
        writer.wait()
        if first_pk is not None:
            self.progress("expiring", done, spool.total, spool.total)
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
        purchases, plans, fallback = self._purchase_rows(batch, found)
        ids = writer.insert(Purchase, purchases)
        lines, entries, lots = self._ledger_rows(ids, plans, touched)
        entry_ids = writer.insert(LedgerEntry, entries)
        lots = [(lot[0], eid, *lot[2:]) for lot, eid in zip(lots, entry_ids, strict=True)]
        lot_ids = writer.insert(PointLot, lots)
        writer.insert(
            LotMovement,
            [(eid, lid, lot[5]) for eid, lid, lot in zip(entry_ids, lot_ids, lots, strict=True)],
            ids=False,
        )
        writer.insert(PurchaseLine, lines, ids=False)
        self.report.purchases_created += len(ids)
        self._preview(plans, ids)
        ids = list(ids)
        if fallback:
            writer.wait()  # the service uses the connection
        for row, member in fallback:
            ids.append(self._through_service(row, member, touched))
        return sorted(ids)

    # ------------------------------------------------------------ run

    def run(self) -> Report:
        started = time.monotonic()
        rejected_path = Path(self.options.rejected_path or f"{self.path}.rejected.csv")
        rejects = Rejects(rejected_path)
        scratch = Scratch()
        try:
            with _batch_collection():
                self._run(rejects, scratch, started)
        finally:
            scratch.close()
        self.report.written = not self.options.dry_run
        self.report.seconds = time.monotonic() - started
        return self.report

    def _run(self, rejects: Rejects, scratch: Scratch, started: float) -> None:
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


@contextmanager
def _batch_collection():
    """Python's cycle collector paused, the import collecting each batch's young objects
    itself (``gc.collect(1)``): its automatic full collections re-scanned every long-lived
    object (Django, the caches) again and again, 40% of the import's CPU."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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
