"""What pass 1 must remember about a file, kept on disk so memory stays bounded at any size.

A private temporary SQLite database (deleted when closed): the order keys seen (to find
an order id twice in the file) and the members to create (email, first purchase date,
external id, name). Memory is SQLite's page cache (16 MB), whatever the number of rows.
The rows to write, as pass 1 parsed them, go to a temporary file (``Spool``), so that
pass 2 reads them back instead of parsing the file again.
"""

import marshal
import sqlite3
import tempfile
from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
CHUNK = 900  # SQLite's default limit on parameters is 999


def _micros(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)


class Scratch:
    def __init__(self):
        self.db = sqlite3.connect("")  # "": a temporary on-disk database
        self.db.executescript(
            """
            PRAGMA journal_mode = OFF;
            PRAGMA synchronous = OFF;
            PRAGMA cache_size = -16000;
            CREATE TABLE keys (key TEXT NOT NULL, row INTEGER NOT NULL);
            CREATE TABLE members (
                key TEXT PRIMARY KEY, email TEXT, enrolled INTEGER, first TEXT, last TEXT
            );
            CREATE TABLE exts (ext TEXT PRIMARY KEY, key TEXT NOT NULL);
            """
        )
        self.spool = Spool()

    def close(self) -> None:
        self.db.close()
        self.spool.close()

    # -- order keys

    def add_keys(self, keys: list[tuple[str, int]]) -> None:
        self.db.executemany("INSERT INTO keys VALUES (?, ?)", keys)

    def repeated_rows(self) -> dict[int, str]:
        """Rows whose order key appeared on an earlier row: row -> the key."""
        self.db.execute("CREATE INDEX keys_key ON keys (key, row)")
        return dict(
            self.db.execute(
                "SELECT k.row, k.key FROM keys k JOIN "
                "(SELECT key, MIN(row) AS first FROM keys GROUP BY key HAVING COUNT(*) > 1) d "
                "ON d.key = k.key AND k.row > d.first"
            )
        )

    # -- members to create

    def keys_of(self, exts) -> dict[str, str]:
        """External id -> the email key of the member to create that has it."""
        found: dict[str, str] = {}
        exts = list(exts)
        for i in range(0, len(exts), CHUNK):
            part = exts[i : i + CHUNK]
            marks = ",".join("?" * len(part))
            found.update(
                self.db.execute(
                    f"SELECT ext, key FROM exts WHERE ext IN ({marks})",  # noqa: S608
                    part,
                )
            )
        return found

    def add_members(self, rows: list[tuple[str, str, datetime, str, str]]) -> None:
        """(email key, email, purchase date, first, last): a new member (the first way its
        address is written is kept), or an earlier first purchase."""
        self.db.executemany(
            "INSERT INTO members VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) "
            "DO UPDATE SET enrolled = MIN(enrolled, excluded.enrolled)",
            [(key, email, _micros(when), first, last) for key, email, when, first, last in rows],
        )

    def add_exts(self, pairs: list[tuple[str, str]]) -> None:
        """(external id, email key): the first address seen with an external id keeps it."""
        self.db.executemany("INSERT OR IGNORE INTO exts VALUES (?, ?)", pairs)

    def new_members(self):
        """(email, enrolled_at, external id or None, first, last) of every member to create."""
        self.db.execute("CREATE INDEX IF NOT EXISTS exts_key ON exts (key)")
        cursor = self.db.execute(
            "SELECT m.email, m.enrolled, (SELECT MIN(e.ext) FROM exts e WHERE e.key = m.key), "
            "m.first, m.last FROM members m ORDER BY m.key"
        )
        for email, enrolled, ext, first, last in cursor:
            yield email, EPOCH + timedelta(microseconds=enrolled), ext, first, last


class Spool:
    """Parsed rows on disk, a batch at a time (``Row.spooled`` values, marshalled)."""

    def __init__(self):
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self.rows = 0
        self.total = 0

    def write(self, rows: list) -> None:
        if rows:
            marshal.dump(rows, self._file)
            self.rows += len(rows)

    def size(self) -> int:
        return self._file.seek(0, 2)

    def batches(self):
        """Each batch written, in order (``position()`` of ``total`` bytes: the progress)."""
        self.total = self.size()
        self._file.seek(0)
        while self._file.tell() < self.total:
            yield marshal.load(self._file)  # noqa: S302 - our own file, written above

    def position(self) -> int:
        return self._file.tell()

    def close(self) -> None:
        self._file.close()
