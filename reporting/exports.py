"""CSV and XLSX downloads of a report, safe to open in a spreadsheet.

Every cell goes through ``loyalty.cells.safe_cell`` (risky text gets a leading ``'``).
Numbers stay numbers: in XLSX they are numeric cells (a negative number is not a
formula); in CSV a number is written as a plain number and never escaped.
"""

import csv
import io
from decimal import Decimal

from openpyxl import Workbook

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


def to_xlsx(report: Report) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = report.name[:31]
    for row in table(report):
        sheet.append([float(v) if isinstance(v, Decimal) else v for v in row])
    for cells in sheet.iter_rows():
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, never a formula, whatever it starts with
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
