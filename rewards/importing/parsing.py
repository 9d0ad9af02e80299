"""Streaming reader of purchase files: decoding, headers, presets and row-by-row validation.

A file is read one physical line at a time (never whole): bytes are decoded
incrementally (UTF-8 with or without BOM; Windows-1252 when the file is not UTF-8),
lines are capped in length, and each row becomes a ``Row`` or a list of ``RowError``
(row number, column, reason). Nothing here touches the database.
"""

import codecs
import csv
import io
import re
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from .. import validation
from ..earning import currencies
from .columns import (
    ALIASES,
    COMPLETED,
    FIELDS,
    NOT_A_SALE,
    PARTIALLY_REFUNDED,
    PRESETS,
    REFUNDED,
    ImportFileError,
    Line,
    Row,
    normalize_header,
)
from .values import email_and_key, parse_amount, parse_when

MAX_LINE = 1_000_000  # characters in one physical line: a bigger "line" is not a CSV of orders


def _decoded_lines(raw: io.BufferedReader, encoding: str):
    """The file's lines, decoded incrementally, each at most ``MAX_LINE`` characters."""
    text = io.TextIOWrapper(raw, encoding=encoding, newline="")
    number = 0
    while True:
        line = text.readline(MAX_LINE)
        if not line:
            return
        number += 1
        if len(line) >= MAX_LINE and not line.endswith(("\n", "\r")):
            raise ImportFileError(
                f"line {number} is longer than {MAX_LINE:,} characters: this is not a CSV of orders"
            )
        yield line


# What binary files start with, named in the error (the first bytes of the file).
_MAGIC = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a zip archive (an XLSX workbook is one: name it .xlsx)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\xd0\xcf\x11\xe0", "an old Excel (.xls) or Word document"),
)
_CONTROL = bytes(set(range(32)) - {9, 10, 12, 13})


def not_text(head: bytes) -> str | None:
    """Why the file's first bytes cannot be a CSV (a sentence), or None if they can.

    A text file has no NUL byte and almost no control characters; binary files usually
    start with a signature. Said in one line rather than as a "header" of garbage.
    """
    what = next((name for magic, name in _MAGIC if head.startswith(magic)), None)
    if (
        what is None
        and head
        and (b"\x00" in head or sum(head.count(c) for c in _CONTROL) > len(head) // 20)
    ):
        what = "binary data"
    if what is None:
        return None
    return f"This is not a text (CSV) file: it looks like {what}."


def sniff_encoding(path: Path) -> str:
    """utf-8-sig when the file is UTF-8 (a BOM is dropped), cp1252 otherwise (read streaming)."""
    decoder_cls = codecs.getincrementaldecoder("utf-8")
    decoder = decoder_cls()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                return "cp1252"
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8-sig"


class Reader:
    """Yields ``Row`` objects from a CSV or XLSX file, one order at a time."""

    def __init__(
        self,
        path,
        *,
        preset: str | None = None,
        mapping: dict[str, str] | None = None,
        default_channel: str = "",
        default_currency: str,
        tz,
        now: datetime,
        limits: validation.Limits,
        decimal_comma: bool = False,
        encoding: str | None = None,
    ):
        self.path = Path(path)
        if preset and preset not in PRESETS:
            raise ImportFileError(f"unknown preset {preset!r} (known: {', '.join(PRESETS)})")
        self.preset = PRESETS.get(preset) if preset else None
        self.mapping = {k: v for k, v in (mapping or {}).items()}
        for key in self.mapping:
            if key not in FIELDS:
                raise ImportFileError(
                    f"--map {key}=...: unknown column (known: {', '.join(FIELDS)})"
                )
        self.default_channel = default_channel
        self.default_currency = default_currency
        self.tz = tz
        self.now = now
        # The checks of rewards.validation, made once for the whole file.
        self._when = validation.moment_checker(
            field="purchased_at", label="purchase date", limits=limits, now=now
        )
        self._amounts = {
            label: validation.amount_checker(
                label=label, limits=limits, allow_zero=label != "amount"
            )
            for label in ("amount", "shipping", "tax", "line price", "refunded amount")
        }
        self.decimal_comma = decimal_comma
        self.encoding = encoding
        self.bytes_read = 0
        self.total_bytes = 0
        self.headers: list[str] = []
        self.has_channel_column = False
        self.is_xlsx = self.path.suffix.lower() in (".xlsx", ".xlsm")

    # -- header

    def _columns(self, headers: list[str]) -> dict[str, int]:
        """Our column -> index in the row; raises ImportFileError for a missing required one."""
        by_norm: dict[str, int] = {}
        for index, header in enumerate(headers):
            by_norm.setdefault(normalize_header(str(header or "")), index)
        columns: dict[str, int] = {}
        wanted = dict(self.preset.columns) if self.preset else {}
        if self.preset:
            for header in self.preset.line_columns.values():
                if normalize_header(header) in by_norm:
                    columns["line_" + header] = by_norm[normalize_header(header)]
            missing = [h for h in self.preset.required if normalize_header(h) not in by_norm]
            if missing:
                raise ImportFileError(
                    f"this is not a {self.preset.name} export: missing column(s) "
                    + ", ".join(repr(m) for m in missing)
                )
        wanted.update(self.mapping)
        for name in FIELDS:
            if name in wanted:
                header = normalize_header(wanted[name])
                if header in by_norm:
                    columns[name] = by_norm[header]
                elif name in self.mapping:
                    raise ImportFileError(
                        f"--map {name}={wanted[name]}: no such column in the file"
                    )
                continue
            for alias in (name.replace("_", " "), *ALIASES[name]):
                if alias in by_norm:
                    columns[name] = by_norm[alias]
                    break
        missing = [n for n in ("order_id", "purchased_at", "amount") if n not in columns]
        if "email" not in columns and "customer_id" not in columns:
            missing.append("email or customer_id")
        if missing:
            found = ", ".join(repr(h) for h in headers) or "none"
            if len(found) > 200:  # a header is short: more is not worth printing
                found = found[:200] + "..."
            raise ImportFileError(
                f"missing required column(s): {', '.join(missing)} (found: {found}); "
                "rename with --map COLUMN=HEADER or use --preset"
            )
        return columns

    # -- raw rows

    def _raw_rows(self):
        """(row number, cells) for every data row; row 1 is the header."""
        self.total_bytes = self.path.stat().st_size
        if self.total_bytes == 0:
            raise ImportFileError("the file is empty")
        if self.is_xlsx:
            yield from self._xlsx_rows()
            return
        with open(self.path, "rb") as raw:
            reason = not_text(raw.read(8192))
        if reason:
            raise ImportFileError(reason)
        encoding = self.encoding or sniff_encoding(self.path)
        with open(self.path, "rb") as raw:
            try:
                reader = csv.reader(_decoded_lines(raw, encoding))
                for number, cells in enumerate(reader, start=1):
                    if number % 1000 == 0:
                        self.bytes_read = raw.tell()
                    yield number, cells
                self.bytes_read = self.total_bytes
            except UnicodeDecodeError as exc:
                raise ImportFileError(
                    f"the file is neither UTF-8 nor Windows-1252 ({exc.reason} at byte {exc.start})"
                ) from None
            except csv.Error as exc:
                raise ImportFileError(f"not a readable CSV file: {exc}") from None

    def _xlsx_rows(self):
        from openpyxl import load_workbook

        try:
            book = load_workbook(self.path, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - any failure to open means "not an xlsx"
            raise ImportFileError(f"not a readable XLSX file: {exc}") from None
        try:
            sheet = book.worksheets[0]
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                self.bytes_read = min(self.total_bytes, number * 100)
                cells = ["" if v is None else v for v in values]
                while cells and cells[-1] == "":
                    cells.pop()
                yield number, cells
        finally:
            book.close()
        self.bytes_read = self.total_bytes

    # -- rows

    def __iter__(self):
        raw_rows = self._raw_rows()
        header = next(raw_rows, None)
        if header is None or not any(str(c).strip() for c in header[1]):
            raise ImportFileError("the file is empty: no header row")
        self.headers = [str(c) for c in header[1]]
        columns = self._columns(self.headers)
        self.has_channel_column = "channel" in columns
        width = len(self.headers)
        seen_any = False
        pending: Row | None = None
        for number, cells in raw_rows:
            if not cells or not any(str(c).strip() for c in cells):
                continue  # blank line
            seen_any = True
            if len(cells) != width and not self.is_xlsx:
                row = Row(row=number, raw=[str(c) for c in cells])
                row.error("", f"The row has {len(cells)} fields, the header has {width}.")
                if pending:
                    yield pending
                    pending = None
                yield row
                continue
            if self.is_xlsx and len(cells) < width:
                cells = list(cells) + [""] * (width - len(cells))
            if self.preset and self.preset.line_columns:
                order_cell = _cell(cells, columns.get("order_id"))
                if pending is not None and order_cell == pending.order_id:
                    self._add_line(pending, cells, columns)
                    continue
                if pending is not None:
                    yield pending
                pending = self._row(number, cells, columns)
                self._add_line(pending, cells, columns)
                continue
            yield self._row(number, cells, columns)
        if pending is not None:
            yield pending
        if not seen_any:
            raise ImportFileError("the file has a header but no rows")

    def _add_line(self, row: Row, cells, columns) -> None:
        lc = self.preset.line_columns
        sku = _cell(cells, columns.get("line_" + lc["sku"]))
        price = _cell(cells, columns.get("line_" + lc["price"]))
        qty = _cell(cells, columns.get("line_" + lc["qty"])) or "1"
        if not price:
            return
        try:
            unit, _ = parse_amount(
                price, check=self._amounts["line price"], decimal_comma=self.decimal_comma
            )
            quantity = int(qty)
        except ValueError as exc:
            row.error(lc["price"], str(exc))
            return
        row.lines.append(Line(sku=sku[:100], amount=unit * quantity, quantity=max(quantity, 1)))

    def _header(self, columns, name) -> str:
        index = columns.get(name)
        return self.headers[index] if index is not None else name

    def _row(self, number: int, cells, columns) -> Row:
        row = Row(row=number, raw=[str(c) for c in cells])
        self._who(row, cells, columns)
        self._when_and_currency(row, cells, columns)
        self._money(row, cells, columns)
        self._status(row, cells, columns)
        get = columns.get
        row.sku = _cell(cells, get("sku"))[:100]
        row.category = _cell(cells, get("category"))[:100]
        first, last = _cell(cells, get("first_name")), _cell(cells, get("last_name"))
        if not (first or last):
            first, _, last = _cell(cells, get("name")).partition(" ")
        row.first_name, row.last_name = first[:150], last.strip()[:150]
        return row

    def _who(self, row: Row, cells, columns) -> None:
        """The order id, the channel, and the member's email or customer id."""
        get = columns.get
        order_id = _cell(cells, get("order_id"))
        if not order_id:
            row.error(self._header(columns, "order_id"), "The order id is empty.")
        elif len(order_id) > 100:
            row.error(
                self._header(columns, "order_id"),
                "The order id cannot be longer than 100 characters.",
            )
        row.order_id = order_id

        # No channel column and none chosen is the file's problem, said once by the
        # importer; an empty cell in a channel column is this row's.
        row.channel = _cell(cells, get("channel")) or self.default_channel
        if not row.channel and "channel" in columns:
            row.error(self._header(columns, "channel"), "The channel is empty.")

        email = _cell(cells, get("email"))
        if email:
            found = email_and_key(email)
            if found is None:
                row.error(
                    self._header(columns, "email"),
                    f"{email.lower()!r} is not a valid email address.",
                )
                email = email.lower()
            else:
                email, row.email_key = found
        row.email = email
        customer_id = _cell(cells, get("customer_id"))
        if self.preset and customer_id in self.preset.guest_ids:
            customer_id = ""
        if len(customer_id) > 100:
            row.error(
                self._header(columns, "customer_id"),
                "The customer id cannot be longer than 100 characters.",
            )
        row.customer_id = customer_id
        if not email and not customer_id:
            row.error(
                self._header(columns, "email" if "email" in columns else "customer_id"),
                "no member email or customer id",
            )

    def _when_and_currency(self, row: Row, cells, columns) -> None:
        index = columns.get("purchased_at")
        try:
            row.purchased_at = parse_when(
                cells[index] if index is not None else "",
                tz=self.tz,
                now=self.now,
                check=self._when,
            )
        except ValueError as exc:
            row.error(self._header(columns, "purchased_at"), str(exc))

        currency = _cell(cells, columns.get("currency")).upper() or self.default_currency
        row.currency = currency
        if not currencies.is_known(currency):
            row.error(self._header(columns, "currency"), f"The currency {currency!r} is unknown.")
        elif currency != self.default_currency:
            row.error(
                self._header(columns, "currency"),
                f"The currency {currency} is not accepted: "
                f"this program runs in {self.default_currency}.",
            )

    def _money(self, row: Row, cells, columns) -> None:
        """The amount paid (in the row's currency), its shipping and its tax."""
        amount_header = self._header(columns, "amount")
        try:
            row.amount, code = parse_amount(
                _cell(cells, columns.get("amount")),
                check=self._amounts["amount"],
                decimal_comma=self.decimal_comma,
            )
            if code and code != row.currency:
                row.error(
                    amount_header,
                    f"The amount is in {code}, the row's currency is {row.currency}.",
                )
        except ValueError as exc:
            row.error(amount_header, str(exc))
        for name in ("shipping", "tax"):
            value = _cell(cells, columns.get(name))
            if value:
                try:
                    amount, _ = parse_amount(
                        value, check=self._amounts[name], decimal_comma=self.decimal_comma
                    )
                    setattr(row, name, amount)
                except ValueError as exc:
                    row.error(self._header(columns, name), str(exc))
        if row.shipping + row.tax > row.amount and not row.errors:
            row.error(self._header(columns, "shipping"), "The shipping and tax exceed the amount.")

    def _status(self, row: Row, cells, columns) -> None:
        status = _cell(cells, columns.get("status")).lower()
        status = status.removeprefix("wc-")
        if not status or status in COMPLETED:
            row.status = "completed"
        elif status in REFUNDED:
            row.status = "refunded"
        elif status in PARTIALLY_REFUNDED:
            row.status = "partially_refunded"
        elif status in NOT_A_SALE:
            row.status = "skip"
        else:
            row.error(
                self._header(columns, "status"),
                f"The status {status!r} is unknown (completed, partially refunded or refunded).",
            )
        self._refund(row, _cell(cells, columns.get("refunded")), columns)

    _REFUND_PARTS = re.compile(r"amount:\s*([^|;]*)", re.IGNORECASE)

    def _refund(self, row: Row, cell: str, columns) -> None:
        """What was refunded before the export, and the status it gives the order.

        A plain amount (Shopify's ``Refunded Amount``) or WebToffee's ``refund_items``
        cell (``amount:5.00|reason:...|date:...`` for each refund, added up).
        """
        header = self._header(columns, "refunded")
        if cell and row.status != "skip":
            parts = self._REFUND_PARTS.findall(cell) or [cell]
            try:
                row.refunded = sum(
                    (
                        parse_amount(
                            part.strip().lstrip("-\u2212"),  # WooCommerce writes refunds < 0
                            check=self._amounts["refunded amount"],
                            decimal_comma=self.decimal_comma,
                            label="refunded amount",
                        )[0]
                        for part in parts
                    ),
                    Decimal(0),
                )
            except ValueError as exc:
                row.error(header, str(exc))
                return
        if row.errors or row.status in ("skip", "refunded"):
            return
        if row.refunded > row.amount:
            row.error(
                header,
                f"The refunded amount {row.refunded} exceeds the order's amount {row.amount}.",
            )
        elif row.refunded == row.amount:
            row.status = "refunded"
        elif row.refunded:
            row.status = "partially_refunded"
        elif row.status == "partially_refunded":
            row.error(
                self._header(columns, "status"),
                "The order is partially refunded but the file does not say how much: "
                "add the refunded amount (a 'Refunded Amount' column).",
            )


def _cell(cells, index) -> str:
    if index is None or index >= len(cells):
        return ""
    value = cells[index]
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float):
        return repr(value) if value != int(value) else str(int(value))
    return str(value)
