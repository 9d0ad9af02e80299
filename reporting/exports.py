"""CSV and XLSX downloads of a report, safe to open in a spreadsheet.

Every cell goes through ``loyalty.cells.safe_cell`` (risky text gets a leading ``'``).
Numbers stay numbers: in XLSX they are numeric cells (a negative number is not a
formula); in CSV a number is written as a plain number and never escaped.
"""

import csv
import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from loyalty.cells import safe_cell

from .reports import Report


def escape(value):
    """A report's cell: an empty one reads "n/a"."""
    return safe_cell(value, none="n/a")


def table(report: Report) -> list[list]:
    """Header and rows, escaped; then the notes, one per row."""
    out = [[escape(c.label) for c in report.columns]]
    out += [[escape(row.get(c.key)) for c in report.columns] for row in report.rows]
    if report.notes:
        out.append([])
        out += [[escape(note)] for note in report.notes]
    return out


def to_csv(report: Report) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in table(report):
        writer.writerow(row)
    return buffer.getvalue()


# Number formats by column kind: money with its 2 decimals, points whole, rates as stored.
FORMATS = {"money": "#,##0.00", "points": "#,##0", "rate": "0.00####"}
WHOLE, DECIMAL = "#,##0", "#,##0.00"
MAX_WIDTH = 60


def number_format(kind: str, value) -> str | None:
    """The cell's format: by the column's kind; a "number" column by the value (1 or 1.50)."""
    if kind in FORMATS:
        return FORMATS[kind]
    if kind == "number":
        return WHOLE if isinstance(value, int) else DECIMAL
    return None


def to_xlsx(report: Report) -> bytes:
    """The report as a sheet: header frozen, numbers formatted, columns as wide as they need."""
    book = Workbook()
    sheet = book.active
    sheet.title = report.name[:31]
    rows = table(report)
    for row in rows:
        sheet.append([float(v) if isinstance(v, Decimal) else v for v in row])
    kinds = [c.kind for c in report.columns]
    for index, cells in enumerate(sheet.iter_rows(), 1):
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, never a formula, whatever it starts with
            elif index > 1 and index <= len(report.rows) + 1 and cell.value is not None:
                original = rows[index - 1][cell.column - 1]
                fmt = number_format(kinds[cell.column - 1], original)
                if fmt:
                    cell.number_format = fmt
    sheet.freeze_panes = "A2"  # the header stays in view
    widths = [len(str(c.label)) for c in report.columns]
    for row in rows[1 : len(report.rows) + 1]:
        for column, value in enumerate(row):
            text = f"{value:,.2f}" if isinstance(value, Decimal) else str(value)
            widths[column] = max(widths[column], len(text))
    for column, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(column)].width = min(width + 2, MAX_WIDTH)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
