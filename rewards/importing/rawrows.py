"""A purchase file's raw rows: decoding, a binary file told apart, CSV and XLSX rows.

A file is read one physical line at a time (never whole): bytes are decoded
incrementally (UTF-8 with or without BOM; Windows-1252 when the file is not UTF-8)
and lines are capped in length. Nothing here knows what the columns mean.
"""

import codecs
import csv
import io
from pathlib import Path

from .columns import ImportFileError

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


class RawRows:
    """The ``Reader``'s (row number, cells) of the file (a mixin of the reader's state)."""

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
