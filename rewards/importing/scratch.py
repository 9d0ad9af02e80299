"""What pass 1 must remember about a file, kept on disk so memory stays bounded at any size.

A private temporary SQLite database (deleted when closed): the order keys seen (to find
an order id twice in the file) and the members to create (email, first purchase date,
external id, name). Memory is SQLite's page cache (16 MB), whatever the number of rows.
"""

import sqlite3
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
                email TEXT PRIMARY KEY, enrolled INTEGER, first TEXT, last TEXT
            );
            CREATE TABLE exts (ext TEXT PRIMARY KEY, email TEXT NOT NULL);
            """
        )

    def close(self) -> None:
        self.db.close()

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

    def pending_emails(self, emails) -> set[str]:
        found: set[str] = set()
        emails = list(emails)
        for i in range(0, len(emails), CHUNK):
            part = emails[i : i + CHUNK]
            marks = ",".join("?" * len(part))
            found.update(
                r[0]
                for r in self.db.execute(
                    f"SELECT email FROM members WHERE email IN ({marks})",  # noqa: S608
                    part,
                )
            )
        return found

    def emails_of(self, exts) -> dict[str, str]:
        found: dict[str, str] = {}
        exts = list(exts)
        for i in range(0, len(exts), CHUNK):
            part = exts[i : i + CHUNK]
            marks = ",".join("?" * len(part))
            found.update(
                self.db.execute(
                    f"SELECT ext, email FROM exts WHERE ext IN ({marks})",  # noqa: S608
                    part,
                )
            )
        return found

    def add_members(self, rows: list[tuple[str, datetime, str, str]]) -> None:
        """(email, purchase date, first, last): a new member, or an earlier first purchase."""
        self.db.executemany(
            "INSERT INTO members VALUES (?, ?, ?, ?) ON CONFLICT (email) "
            "DO UPDATE SET enrolled = MIN(enrolled, excluded.enrolled)",
            [(email, _micros(when), first, last) for email, when, first, last in rows],
        )

    def add_exts(self, pairs: list[tuple[str, str]]) -> None:
        """(external id, email): the first email seen with an external id keeps it."""
        self.db.executemany("INSERT OR IGNORE INTO exts VALUES (?, ?)", pairs)

    def new_members(self):
        """(email, enrolled_at, external id or None, first, last) of every member to create."""
        self.db.execute("CREATE INDEX IF NOT EXISTS exts_email ON exts (email)")
        cursor = self.db.execute(
            "SELECT m.email, m.enrolled, (SELECT MIN(e.ext) FROM exts e WHERE e.email = m.email), "
            "m.first, m.last FROM members m ORDER BY m.email"
        )
        for email, enrolled, ext, first, last in cursor:
            yield email, EPOCH + timedelta(microseconds=enrolled), ext, first, last
