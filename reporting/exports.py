"""CSV and XLSX downloads of a report, safe to open in a spreadsheet.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab, a carriage return or a
NUL is prefixed with ``'`` so that a spreadsheet shows it instead of running it.
Numbers stay numbers: in XLSX they are numeric cells (a negative number is not a
formula); in CSV a number is written as a plain number and never escaped, since
``'-5`` would no longer be a number. Only text is escaped.
"""

import csv
import io
from decimal import Decimal

from openpyxl import Workbook

from .reports import Report

DANGEROUS = ("=", "+", "-", "@", "\t", "\r", "\0")


def escape(value):
    """The cell as it is safe to export: numbers unchanged, risky text prefixed with '."""
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | Decimal):
        return value
    text = str(value)
    return f"'{text}" if text.startswith(DANGEROUS) else text


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
