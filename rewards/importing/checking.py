"""Pass 1 of an import: every row checked (values, channel, duplicates, member) before any write."""

import gc

from django.db import connection

from members.validation import email_key

from ..models import (
    Channel,
    Purchase,
)
from .columns import Row, RowError
from .report import (
    MAX_ERRORS_KEPT,
    Rejects,
    in_batches,
)
from .scratch import Scratch


class Checking:
    """The ``Importer``'s pass 1 (a mixin of the importer's state)."""

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
        if row.email and email_key(existing["member__email"] or "") != row.email_key:
            changes.append(f"member {existing['member__email'] or 'none'} -> {row.email}")
        return ", ".join(changes)

    def validate(self, rejects: Rejects, scratch: Scratch) -> set[int]:
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
        for batch in in_batches(iter(reader), self.options.batch_size):
            if first_batch:
                rejects.headers = reader.headers
                first_batch = False
            report.rows_read += len(batch)
            good = self._valid_rows(batch, reject, unknown_channels, reader.has_channel_column)
            scratch.add_keys([(f"{row.channel}\x1f{row.order_id}", row.row) for row in good])
            to_write = self._check_against_database(good, rejects, scratch, reject)
            # Pass 2 reads the rows back as parsed here, rather than parsing the file again.
            scratch.spool.write(
                [row.spooled(self.tz) for row in to_write if row.row not in invalid]
            )
            connection.queries_log.clear()  # DEBUG keeps every query's SQL: 10,000 emails each
            gc.collect(1)  # this batch's cycles, if any (see importer._batch_collection)
            self.progress("validating", report.rows_read, reader.bytes_read, reader.total_bytes)

        report.problems += [self._channel_problem(code) for code in sorted(unknown_channels)]
        self._reject_repeated(scratch.repeated_rows(), invalid, reject)
        return invalid

    def _valid_rows(
        self, batch: list[Row], reject, unknown_channels: set[str], channel_column: bool
    ) -> list[Row]:
        """The batch's sales whose values are valid; the others rejected or counted."""
        good = []
        for row in batch:
            # Said once for the file, not per row (an empty cell of a channel column is
            # the row's own error).
            if row.channel not in self.channels and (row.channel or not channel_column):
                unknown_channels.add(row.channel)
                if not row.errors:
                    reject(row, [self._channel_error(row)], listed=False)
                    continue
            if row.errors:
                reject(row, row.errors)
            elif row.status == "skip":
                self.report.not_a_sale += 1
            else:
                good.append(row)
        return good

    def _check_against_database(
        self, good: list[Row], rejects: Rejects, scratch, reject
    ) -> list[Row]:
        """Orders already recorded (skipped, or reported when changed), and members to find
        or enrol; returns the rows to write."""
        report = self.report
        existing = self._existing_purchases(good)
        self.found_existing = self.found_existing or bool(existing)
        by_email, by_ext = self._members(good)
        unknown, to_write = [], []
        for row in good:
            found = existing.get((row.channel, row.order_id))
            if found is None:
                to_write.append(row)
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
            elif not (row.customer_id in by_ext or row.email_key in by_email):
                unknown.append(row)
        self._new_members(unknown, scratch, reject)
        return to_write

    def _reject_repeated(self, repeated, invalid: set[int], reject) -> None:
        """Orders that appear more than once in the file: every copy is rejected."""
        if not repeated:
            return
        for row in self._reader():
            if row.row in repeated and row.row not in invalid:
                message = (
                    f"The order {row.order_id} (channel {row.channel}) "
                    "appears more than once in the file."
                )
                reject(row, [RowError(row.row, "order_id", message)])
