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
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from loyalty.errors import ApplicationError

from .. import currencies, validation

MAX_LINE = 1_000_000  # characters in one physical line: a bigger "line" is not a CSV of orders

# Our column names, and the headers that mean them (compared lower-case, with _ and - as spaces).
ALIASES: dict[str, tuple[str, ...]] = {
    "order_id": ("order id", "order", "order number", "order no", "order ref"),
    "email": ("email", "member email", "customer email", "e mail", "email address"),
    "customer_id": ("customer id", "external customer id", "external id", "customer number"),
    "purchased_at": ("purchase date", "purchased at", "date", "order date", "created at"),
    "amount": ("amount", "total", "order total", "total amount", "amount paid"),
    "currency": ("currency", "currency code"),
    "channel": ("channel", "channel code"),
    "status": ("status", "order status"),
    "sku": ("sku", "product sku"),
    "category": ("category", "product category"),
    "name": ("name", "member name", "customer name"),
    "first_name": ("first name",),
    "last_name": ("last name",),
    "shipping": ("shipping", "shipping amount"),
    "tax": ("tax", "tax amount", "taxes"),
}
FIELDS = tuple(ALIASES)

COMPLETED = {"completed", "complete", "paid", "processing", "partially_refunded", "fulfilled"}
REFUNDED = {"refunded"}
NOT_A_SALE = {
    "pending",
    "authorized",
    "voided",
    "cancelled",
    "canceled",
    "failed",
    "on-hold",
    "on hold",
    "partially_paid",
    "expired",
    "draft",
    "checkout-draft",
    "trash",
}


@dataclass(frozen=True)
class Preset:
    """How a shop or till system's order export maps to our columns."""

    name: str
    title: str
    columns: dict[str, str]
    required: tuple[str, ...]
    # Shopify: one row per line item, order-level cells only on an order's first row.
    line_columns: dict[str, str] = field(default_factory=dict)


PRESETS = {
    "shopify": Preset(
        name="shopify",
        title="Shopify orders export (Orders > Export, CSV for Excel or plain CSV)",
        columns={
            "order_id": "Name",
            "email": "Email",
            "purchased_at": "Created at",
            "amount": "Total",
            "currency": "Currency",
            "status": "Financial Status",
            "shipping": "Shipping",
            "tax": "Taxes",
            "name": "Billing Name",
        },
        required=("Name", "Email", "Created at", "Total"),
        line_columns={"sku": "Lineitem sku", "price": "Lineitem price", "qty": "Lineitem quantity"},
    ),
    "woocommerce": Preset(
        name="woocommerce",
        title="WooCommerce orders (WebToffee 'Order Export & Order Import for WooCommerce' CSV)",
        columns={
            "order_id": "order_number",
            "email": "customer_email",
            "purchased_at": "order_date",
            "amount": "order_total",
            "currency": "order_currency",
            "status": "status",
            "shipping": "shipping_total",
            "tax": "tax_total",
            "first_name": "billing_first_name",
            "last_name": "billing_last_name",
        },
        required=("order_number", "customer_email", "order_date", "order_total"),
    ),
}


class ImportFileError(Exception):
    """The file as a whole cannot be read (encoding, header, size): one clear sentence."""


@dataclass
class RowError:
    row: int
    column: str
    reason: str


@dataclass
class Line:
    sku: str
    amount: Decimal
    quantity: int = 1


@dataclass
class Row:
    """One order, parsed and checked on its own (the database checks come later)."""

    row: int
    raw: list[str]
    order_id: str = ""
    channel: str = ""
    email: str = ""
    customer_id: str = ""
    purchased_at: datetime | None = None
    amount: Decimal = Decimal(0)
    shipping: Decimal = Decimal(0)
    tax: Decimal = Decimal(0)
    currency: str = ""
    status: str = "completed"
    sku: str = ""
    category: str = ""
    first_name: str = ""
    last_name: str = ""
    lines: list[Line] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def error(self, column: str, reason: str) -> None:
        self.errors.append(RowError(self.row, column, reason))


def _norm(header: str) -> str:
    return " ".join(
        header.strip().lstrip("\ufeff").lower().replace("_", " ").replace("-", " ").split()
    )


# ---------------------------------------------------------------- values


_PLAIN = re.compile(r"\d+(?:\.\d{1,2})?")
_POINT = re.compile(r"\d+(?:\.\d+)?|\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_COMMA = re.compile(r"\d+(?:,\d+)?|\d{1,3}(?:\.\d{3})+(?:,\d+)?")
_CODE_BEFORE = re.compile(r"^([A-Za-z]{3}|[^\w\s.,+-])\s*")
_CODE_AFTER = re.compile(r"\s*([A-Za-z]{3}|[^\w\s.,+-])$")


def parse_amount(
    raw: str,
    *,
    limits: validation.Limits | None = None,
    check=None,
    decimal_comma: bool = False,
    label: str = "amount",
    allow_zero: bool = False,
) -> tuple[Decimal, str]:
    """An amount within the program's range (``rewards.validation``: ``limits``, or ``check``
    made once for many rows), and the currency code written in it, if any.

    Accepted: ``1234.50``, ``1,234.50`` (comma groups thousands), ``€12.00``, ``12.00 EUR``.
    ``12,50`` and ``1.234,50`` are refused as ambiguous unless ``decimal_comma``.
    Raises ``ValueError`` with the reason.
    """
    check = check or validation.amount_checker(label=label, limits=limits, allow_zero=allow_zero)
    text = raw.strip()
    if _PLAIN.fullmatch(text):
        return _in_range(check, Decimal(text)), ""
    if not text:
        raise ValueError(f"The {label} is empty.")
    code = ""
    for pattern in (_CODE_BEFORE, _CODE_AFTER):
        match = pattern.search(text)
        if match:
            token = match.group(1)
            if token.isalpha():
                code = token.upper()
            text = pattern.sub("", text, count=1)
    text = text.replace(" ", "").replace("\u00a0", "")
    if text.startswith(("-", "(", "\u2212")) or text.endswith(")"):
        raise ValueError(f"The {label} must not be negative: {raw.strip()!r}.")
    if decimal_comma:
        if not _COMMA.fullmatch(text):
            raise ValueError(f"{raw.strip()!r} is not an amount.")
        text = text.replace(".", "").replace(",", ".")
    elif _POINT.fullmatch(text):
        text = text.replace(",", "")
    elif _COMMA.fullmatch(text):
        raise ValueError(
            f"The {label} {raw.strip()!r} is ambiguous: a comma as decimal separator needs "
            "--decimal-comma (in the admin: 'Amounts are written 1.234,50')."
        )
    else:
        raise ValueError(f"{raw.strip()!r} is not an amount.")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{raw.strip()!r} is not an amount.") from None
    return _in_range(check, amount), code


def _in_range(check, value):
    try:
        return check(value)
    except ApplicationError as exc:
        raise ValueError(exc.message) from None


_SPACED_OFFSET = re.compile(r"\s+([+-]\d{2}:?\d{2})$")


def parse_when(
    raw, *, tz, now: datetime, limits: validation.Limits | None = None, check=None
) -> datetime:
    """An aware date-time from ISO 8601; without a zone it is in ``tz`` (the program's).

    A date alone means midnight in ``tz``; it must be within the program's range
    (``rewards.validation``). Raises ``ValueError`` with the reason.
    """
    if isinstance(raw, datetime):  # from a spreadsheet cell
        moment = raw
    elif isinstance(raw, date):
        moment = datetime(raw.year, raw.month, raw.day, tzinfo=tz)
    else:
        text = (raw or "").strip()
        if not text:
            raise ValueError("The purchase date is empty.")
        try:
            try:
                moment = datetime.fromisoformat(text)
            except ValueError:
                moment = datetime.fromisoformat(_SPACED_OFFSET.sub(r"\1", text))
        except ValueError as exc:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", text):
                raise ValueError(f"{text!r} is an impossible date ({exc}).") from None
            raise ValueError(
                f"{text!r} is not an ISO 8601 date (expected YYYY-MM-DD[ HH:MM[:SS]][+HH:MM])."
            ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    check = check or validation.moment_checker(
        field="purchased_at", label="purchase date", limits=limits, now=now
    )
    return _in_range(check, moment)


@lru_cache(maxsize=50_000)
def valid_email(email: str) -> bool:
    try:
        validate_email(email)
    except ValidationError:
        return False
    return True


# ---------------------------------------------------------------- reading


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
            for label in ("amount", "shipping", "tax", "line price")
        }
        self.decimal_comma = decimal_comma
        self.encoding = encoding
        self.bytes_read = 0
        self.total_bytes = 0
        self.headers: list[str] = []
        self.is_xlsx = self.path.suffix.lower() in (".xlsx", ".xlsm")

    # -- header

    def match_columns(self, headers: list[str]) -> dict[str, int]:
        """Our column -> index in the row, for each one found: by the mapping, the preset's
        header or one of its usual names (the admin offers these as the suggestion)."""
        by_norm: dict[str, int] = {}
        for index, header in enumerate(headers):
            by_norm.setdefault(_norm(str(header or "")), index)
        columns: dict[str, int] = {}
        wanted = dict(self.preset.columns) if self.preset else {}
        if self.preset:
            for header in self.preset.line_columns.values():
                if _norm(header) in by_norm:
                    columns["line_" + header] = by_norm[_norm(header)]
        wanted.update(self.mapping)
        for name in FIELDS:
            if name in wanted:
                header = _norm(wanted[name])
                if header in by_norm:
                    columns[name] = by_norm[header]
                continue
            for alias in (name.replace("_", " "), *ALIASES[name]):
                if alias in by_norm:
                    columns[name] = by_norm[alias]
                    break
        return columns

    def _columns(self, headers: list[str]) -> dict[str, int]:
        """Our column -> index in the row; raises ImportFileError for a missing required one."""
        normed = {_norm(str(header or "")) for header in headers}
        if self.preset:
            missing = [h for h in self.preset.required if _norm(h) not in normed]
            if missing:
                raise ImportFileError(
                    f"this is not a {self.preset.name} export: missing column(s) "
                    + ", ".join(repr(m) for m in missing)
                )
        for name, header in self.mapping.items():
            if _norm(header) not in normed:
                raise ImportFileError(f"--map {name}={header}: no such column in the file")
        columns = self.match_columns(headers)
        missing = [n for n in ("order_id", "purchased_at", "amount") if n not in columns]
        if "email" not in columns and "customer_id" not in columns:
            missing.append("email or customer_id")
        if missing:
            found = ", ".join(repr(h) for h in headers) or "none"
            raise ImportFileError(
                f"missing required column(s): {', '.join(missing)} (found: {found}); "
                "rename with --map COLUMN=HEADER or use --preset"
            )
        return columns

    def read_headers(self) -> list[str]:
        """The file's first row: the headers the admin offers for each of our columns."""
        for _number, cells in self._raw_rows():
            return [str(cell).strip() for cell in cells]
        return []

    # -- raw rows

    def _raw_rows(self):
        """(row number, cells) for every data row; row 1 is the header."""
        self.total_bytes = self.path.stat().st_size
        if self.total_bytes == 0:
            raise ImportFileError("the file is empty")
        if self.is_xlsx:
            yield from self._xlsx_rows()
            return
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

        row.channel = _cell(cells, get("channel")) or self.default_channel
        if not row.channel:
            row.error("channel", "No channel: add a channel column or use --channel.")

        email = _cell(cells, get("email")).lower()
        if email and not valid_email(email):
            row.error(self._header(columns, "email"), f"{email!r} is not a valid email address.")
        row.email = email
        customer_id = _cell(cells, get("customer_id"))
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

        index = get("purchased_at")
        try:
            row.purchased_at = parse_when(
                cells[index] if index is not None else "",
                tz=self.tz,
                now=self.now,
                check=self._when,
            )
        except ValueError as exc:
            row.error(self._header(columns, "purchased_at"), str(exc))

        currency = _cell(cells, get("currency")).upper() or self.default_currency
        row.currency = currency
        if not currencies.is_known(currency):
            row.error(self._header(columns, "currency"), f"The currency {currency!r} is unknown.")
        elif currency != self.default_currency:
            row.error(
                self._header(columns, "currency"),
                f"The currency {currency} is not accepted: "
                f"this program runs in {self.default_currency}.",
            )

        amount_header = self._header(columns, "amount")
        try:
            row.amount, code = parse_amount(
                _cell(cells, get("amount")),
                check=self._amounts["amount"],
                decimal_comma=self.decimal_comma,
            )
            if code and code != currency:
                row.error(
                    amount_header, f"The amount is in {code}, the row's currency is {currency}."
                )
        except ValueError as exc:
            row.error(amount_header, str(exc))
        for name in ("shipping", "tax"):
            value = _cell(cells, get(name))
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

        status = _cell(cells, get("status")).lower()
        status = status.removeprefix("wc-")
        if not status or status in COMPLETED:
            row.status = "completed"
        elif status in REFUNDED:
            row.status = "refunded"
        elif status in NOT_A_SALE:
            row.status = "skip"
        else:
            row.error(
                self._header(columns, "status"),
                f"The status {status!r} is unknown (completed or refunded).",
            )

        row.sku = _cell(cells, get("sku"))[:100]
        row.category = _cell(cells, get("category"))[:100]
        first, last = _cell(cells, get("first_name")), _cell(cells, get("last_name"))
        if not (first or last):
            first, _, last = _cell(cells, get("name")).partition(" ")
        row.first_name, row.last_name = first[:150], last.strip()[:150]
        return row


def _cell(cells, index) -> str:
    if index is None or index >= len(cells):
        return ""
    value = cells[index]
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float):
        return repr(value) if value != int(value) else str(int(value))
    return str(value)
