"""An import's options, its report, and the file of rejected rows."""

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from loyalty.cells import safe_cell

from .columns import Row, RowError

MAX_ERRORS_KEPT = 200


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
    member_cache: int = 150_000  # members remembered between batches (about 50 MB at most)


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
    partially_refunded: int = 0
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


def in_batches(rows, size):
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class Rejects:
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
