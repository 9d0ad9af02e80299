"""The shape every report has: rows and typed columns, notes, warnings, a summary.

The admin page, the command, the API and the CSV/XLSX exports all render this one
shape; ``as_dict`` is also what a closed period stores as its figures at closing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def money(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Column:
    key: str
    label: str
    kind: str = "text"  # text, points, money, rate, number (int or Decimal; None is n/a)


@dataclass
class Report:
    """Rows and columns that the admin page, the command and the exports all render."""

    name: str
    title: str
    columns: list[Column]
    rows: list[dict]
    notes: list[str] = field(default_factory=list)
    summary: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    chart: dict | None = None

    def as_dict(self) -> dict:
        return {
            "report": self.name,
            "title": self.title,
            "columns": [{"key": c.key, "label": c.label, "kind": c.kind} for c in self.columns],
            "rows": [{c.key: jsonable(row.get(c.key)) for c in self.columns} for row in self.rows],
            "summary": {key: jsonable(value) for key, value in self.summary.items()},
            "warnings": self.warnings,
            "notes": self.notes,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Report:
        columns = [Column(**c) for c in data["columns"]]
        rows = [{c.key: unjson(row.get(c.key), c.kind) for c in columns} for row in data["rows"]]
        return cls(
            name=data["report"],
            title=data["title"],
            columns=columns,
            rows=rows,
            notes=list(data.get("notes", [])),
            summary=dict(data.get("summary", {})),
            warnings=list(data.get("warnings", [])),
        )


def jsonable(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [jsonable(item) for item in value]
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    return value


def unjson(value, kind: str):
    if value is None or kind in ("text",):
        return value
    if kind in ("points", "count"):
        return int(value)
    if kind == "number" and isinstance(value, int):
        return value
    try:
        return Decimal(str(value))
    except ArithmeticError:  # a word where a number is not known ("not set")
        return value
