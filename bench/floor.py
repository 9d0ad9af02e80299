"""The database's own floor: the statements our code sent for one operation, replayed.

``capture`` runs an operation twice (two members, two order ids...) and records every
statement Django sent, with its parameters as given to the driver, the rows it
returned, and the transaction it ran in. ``Script`` compares the two runs: a parameter
that is the same in both is a constant; one that differs is one of the names the
caller gave (a member id, an order id), an id returned by an earlier statement, or text
made of them (``purchase:<id>:earn``); anything else that differs (a clock) keeps the
second run's value. ``Script.run`` replays the statements on a raw driver connection
made by Django's backend (so the same cursor class binds the same values), with new
values for the names, each transaction as one transaction. Nothing is hand-copied:
when the code sends another statement, the floor follows.

PostgreSQL only (psycopg): the replay reads returned rows back from the driver.
"""

import re
from dataclasses import dataclass

from django.db import connection, connections


@dataclass
class Statement:
    sql: str
    params: tuple
    transaction: int | None  # which transaction it ran in (None: autocommit)
    rows: list[tuple] | None  # what it returned


def record(action) -> list[Statement]:
    """Every statement ``action()`` sends, with the rows it returned."""
    statements: list[Statement] = []
    transactions: dict[int, int] = {}

    def wrapper(execute, sql, params, many, context):
        assert not many, "executemany is not replayed"
        result = execute(sql, params, many, context)
        cursor = context["cursor"].cursor  # the driver's (client-side) cursor
        rows = None
        if cursor.description is not None:
            rows = cursor.fetchall()
            if rows:
                cursor.scroll(0, mode="absolute")  # the caller reads them as if untouched
        outer = connection.atomic_blocks[0] if connection.atomic_blocks else None
        txn = None if outer is None else transactions.setdefault(id(outer), len(transactions))
        statements.append(Statement(sql, tuple(params or ()), txn, rows))
        return result

    with connection.execute_wrapper(wrapper):
        action()
    return statements


def _same(a, b) -> bool:
    if type(a) is not type(b):
        return False
    if hasattr(a, "obj"):  # psycopg's Json/Jsonb wrappers compare by identity
        return a.obj == b.obj
    return a == b


SAVEPOINT = re.compile(r'"?s\d+_x\d+"?')


def _template(text: str, known: dict, run: int) -> str:
    """``text`` with each name's value in that run replaced by ``{name}``, in one pass
    (longest values first; a number only where it is not part of a longer one)."""
    values = sorted(known.items(), key=lambda item: -len(str(item[1][run])))
    pattern = "|".join(
        f"(?P<n{i}>"
        + (
            rf"(?<!\d){value[run]}(?!\d)"
            if isinstance(value[run], int)
            else re.escape(str(value[run]))
        )
        + ")"
        for i, (_, value) in enumerate(values)
    )
    return re.sub(pattern, lambda m: "{" + values[int(m.lastgroup[1:])][0] + "}", text)


class Script:
    """One operation's statements, with the parts that change from one run to the next."""

    def __init__(self, first: list[Statement], second: list[Statement], names: dict):
        """``names``: name -> (its value in the first run, in the second)."""
        shapes = [(SAVEPOINT.sub("sp", s.sql), s.transaction) for s in first]
        if shapes != [(SAVEPOINT.sub("sp", s.sql), s.transaction) for s in second]:
            raise RuntimeError("the two runs sent different statements: no floor to replay")
        self.steps = []  # (sql, params: list of constant | Name | Text, returns: names)
        self.kept = 0  # parameters that differ but were kept as captured (clocks)
        known = dict(names)
        for index, (a, b) in enumerate(zip(first, second, strict=True)):
            params = [self._param(x, y, known) for x, y in zip(a.params, b.params, strict=True)]
            returns = []  # ids it returned (one row): later statements may use them
            if a.rows and b.rows and len(a.rows) == len(b.rows) == 1:
                for col, (x, y) in enumerate(zip(a.rows[0], b.rows[0], strict=True)):
                    if x != y and isinstance(x, int):
                        known[f"#{index}.{col}"] = (x, y)
                        returns.append((col, f"#{index}.{col}"))
            self.steps.append((b.sql, b.transaction, params, returns))
        self.statements = len(self.steps)

    def _param(self, x, y, known):
        if _same(x, y):
            return ("const", y)
        found = [
            name
            for name, (in_first, in_second) in known.items()
            if x == in_first and y == in_second and type(x) is type(in_first)
        ]
        given = [name for name in found if not name.startswith("#")]
        if len(given) > 1 or (not given and len(found) > 1):
            raise RuntimeError(f"{x!r} / {y!r} could be any of {found}: capture other values")
        if found:
            return ("name", (given or found)[0])  # a given member id, also read back
        if isinstance(x, str):
            template, check = _template(x, known, 0), _template(y, known, 1)
            if template == check and "{" in template:
                return ("text", template)
        self.kept += 1
        return ("const", y)

    @staticmethod
    def _bind(params, values):
        bound = []
        for kind, value in params:
            if kind == "const":
                bound.append(value)
            elif kind == "name":
                bound.append(values[value])
            else:
                text = value
                for name, new in values.items():
                    text = text.replace("{" + name + "}", str(new))
                bound.append(text)
        return bound

    def run(self, raw, **values) -> None:
        """Replay once on the driver connection ``raw``, with these values for the names."""
        values = dict(values)
        current = None
        with raw.cursor() as cursor:
            for sql, txn, params, returns in self.steps:
                if txn != current:
                    if current is not None:
                        raw.commit()
                    raw.autocommit = txn is None  # as atomic() does: BEGIN before the next
                    current = txn
                cursor.execute(sql, self._bind(params, values))
                if returns or cursor.description is not None:
                    row = cursor.fetchone() if cursor.description is not None else None
                    for col, name in returns:
                        values[name] = row[col]
            if current is not None:
                raw.commit()
                raw.autocommit = True


def new_connection():
    """A driver connection set up by Django's backend as the code's own are (the cursor
    class, adapters, time zone), outside Django's transaction handling."""
    wrapper = connections.create_connection("default")
    wrapper.ensure_connection()
    return wrapper, wrapper.connection


def spread_sequences() -> None:
    """Move every sequence a different million ahead, so that the ids each table gives
    the two runs (and the ids the caller gives) can never be taken for one another."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT schemaname || '.' || sequencename FROM pg_sequences "
            "WHERE schemaname = current_schema() ORDER BY sequencename"
        )
        for k, (sequence,) in enumerate(cursor.fetchall(), start=1):
            cursor.execute("SELECT setval(%s, nextval(%s) + %s)", [sequence, sequence, k * 10**6])


def capture(make_action, first: dict, second: dict) -> Script:
    """The statements of ``make_action(**first)()`` and of ``make_action(**second)()``
    (members, orders... that exist before: their ids stay below a million)."""
    spread_sequences()
    a = record(make_action(**first))
    b = record(make_action(**second))
    return Script(a, b, {name: (first[name], second[name]) for name in first})
