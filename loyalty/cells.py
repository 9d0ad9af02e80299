"""Cells of a file a person opens in a spreadsheet (CSV, XLSX), safe to open.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab, a carriage return or a
NUL is prefixed with ``'``, so that a spreadsheet shows it instead of running it as a
formula (``=HYPERLINK(...)``, ``@SUM(...)``, ``-2+3``). Numbers stay numbers: ``'-5``
would no longer be one, and a number is never a formula. Every download of the project
(reports, the import's rejected rows) writes its cells through ``safe_cell``.
"""

from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")


def safe_cell(value, *, none: str = ""):
    """The cell as it is safe to export: numbers unchanged, risky text prefixed with '."""
    if value is None:
        return none
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | Decimal):
        return value
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text
