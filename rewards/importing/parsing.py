"""Streaming reader of purchase files: headers, presets and row-by-row validation.

The file's raw rows come from ``rawrows`` (decoding, CSV or XLSX), each row's cells are
checked by ``fields``; each row becomes a ``Row`` or a list of ``RowError`` (row number,
column, reason). Nothing here touches the database.
"""

from datetime import datetime
from pathlib import Path

from .. import validation
from .columns import (
    ALIASES,
    FIELDS,
    PRESETS,
    ImportFileError,
    Row,
    normalize_header,
)
from .fields import RowFields, cell_text
from .rawrows import RawRows


class Reader(RawRows, RowFields):
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

    def match_columns(self, headers: list[str]) -> dict[str, int]:
        """Our column -> index in the row, for each one found: by the mapping, the preset's
        header or one of its usual names (the admin offers these as the suggestion)."""
        by_norm: dict[str, int] = {}
        for index, header in enumerate(headers):
            by_norm.setdefault(normalize_header(str(header or "")), index)
        columns: dict[str, int] = {}
        wanted = dict(self.preset.columns) if self.preset else {}
        if self.preset:
            for header in self.preset.line_columns.values():
                if normalize_header(header) in by_norm:
                    columns["line_" + header] = by_norm[normalize_header(header)]
        wanted.update(self.mapping)
        for name in FIELDS:
            if name in wanted:
                header = normalize_header(wanted[name])
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
        normed = {normalize_header(str(header or "")) for header in headers}
        if self.preset:
            missing = [h for h in self.preset.required if normalize_header(h) not in normed]
            if missing:
                raise ImportFileError(
                    f"this is not a {self.preset.name} export: missing column(s) "
                    + ", ".join(repr(m) for m in missing)
                )
        for name, header in self.mapping.items():
            if normalize_header(header) not in normed:
                raise ImportFileError(f"--map {name}={header}: no such column in the file")
        columns = self.match_columns(headers)
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

    def read_headers(self) -> list[str]:
        """The file's first row: the headers the admin offers for each of our columns."""
        for _number, cells in self._raw_rows():
            return [str(cell).strip() for cell in cells]
        return []

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
                order_cell = cell_text(cells, columns.get("order_id"))
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
