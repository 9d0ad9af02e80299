"""Database helpers shared by the services: bounded retry of PostgreSQL conflicts, snapshots."""

import contextlib
import functools
import logging
import time

import psycopg
from django.db import OperationalError, connection, connections, transaction

log = logging.getLogger(__name__)

# serialization_failure and deadlock_detected: the transaction did nothing and can run again.
RETRYABLE_SQLSTATES = {"40001", "40P01"}


def is_retryable(exc: BaseException) -> bool:
    cause = exc.__cause__
    return isinstance(cause, psycopg.Error) and cause.sqlstate in RETRYABLE_SQLSTATES


def retry_on_conflict(func=None, *, attempts: int = 5):
    """Run ``func`` again when PostgreSQL aborts it for a serialization failure or a deadlock.

    Only the outermost call retries: inside an enclosing transaction the error must
    propagate so that the whole transaction is retried, not a part of it.
    """

    def decorate(f):
        @functools.wraps(f)
        def wrapper(*args, **kwargs):
            for attempt in range(1, attempts + 1):
                try:
                    return f(*args, **kwargs)
                except OperationalError as exc:
                    in_outer = transaction.get_connection().in_atomic_block
                    if in_outer or not is_retryable(exc) or attempt == attempts:
                        raise
                    log.warning("retrying %s after %s (attempt %d)", f.__name__, exc, attempt)
                    time.sleep(0.01 * 2**attempt)
            raise AssertionError("unreachable")

        return wrapper

    return decorate(func) if func else decorate


class RowLoader:
    """Model instances from rows of hand-written SQL, converted as the ORM would convert them.

    For the few statements on the hot path of a request (locking a member...): compiling
    a queryset costs several times what the database spends answering it. The SQL
    selects ``columns(connection)`` (every concrete field, in order) first; columns
    after them are the caller's. Only public pieces of the ORM are used (``from_db``,
    the fields' and the backend's converters), so the model may change freely.
    """

    def __init__(self, model):
        self.model = model
        self._prepared: dict[str, tuple] = {}

    def _prepare(self, connection) -> tuple:
        prepared = self._prepared.get(connection.alias)
        if prepared is None:
            meta = self.model._meta
            quote = connection.ops.quote_name
            converters = []
            for index, field in enumerate(meta.concrete_fields):
                col = field.get_col(meta.db_table)
                found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
                if found:
                    converters.append((index, found, col))
            table = quote(meta.db_table)
            prepared = (
                ", ".join(f"{table}.{quote(f.column)}" for f in meta.concrete_fields),
                [f.attname for f in meta.concrete_fields],
                converters,
            )
            self._prepared[connection.alias] = prepared
        return prepared

    def columns(self, connection) -> str:
        return self._prepare(connection)[0]

    def load(self, connection, row):
        """The model instance of the first columns of ``row``."""
        connection = unproxied(connection)
        _, attnames, converters = self._prepare(connection)
        values = list(row[: len(attnames)])
        for index, functions, col in converters:
            value = values[index]
            for convert in functions:
                value = convert(value, col, connection)
            values[index] = value
        return self.model.from_db(connection.alias, attnames, values)


def unproxied(connection):
    """The connection itself rather than ``django.db.connection``, a proxy that looks the
    thread's connection up on every attribute read: for helpers that read dozens."""
    return connections[connection.alias]


_inserted: dict[tuple, tuple[list, str]] = {}


def insert_values(obj, connection, *, skip: tuple[str, ...] = ()) -> tuple[str, list]:
    """The columns and values of an INSERT of ``obj``, prepared as ``Model.save`` prepares them."""
    connection = unproxied(connection)
    key = (type(obj), connection.alias, skip)
    if key not in _inserted:
        meta, quote = obj._meta, connection.ops.quote_name
        fields = [f for f in meta.concrete_fields if not f.primary_key and f.attname not in skip]
        _inserted[key] = (fields, ", ".join(quote(f.column) for f in fields))
    fields, columns = _inserted[key]
    return columns, [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]


def saved(obj, pk, connection) -> None:
    """Mark ``obj`` as the row just inserted with this primary key."""
    obj.pk = pk
    obj._state.adding, obj._state.db = False, connection.alias


def insert(obj, connection) -> None:
    """Insert ``obj`` in one hand-written statement: what ``save(force_insert=True)`` does,
    for a hot path, without its compilation and without model signals (like
    ``bulk_create``). Database errors (e.g. a unique key) are Django's, as usual."""
    connection = unproxied(connection)
    columns, values = insert_values(obj, connection)
    table = connection.ops.quote_name(obj._meta.db_table)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(values))})"  # noqa: S608
    with connection.cursor() as cursor:
        if connection.features.can_return_columns_from_insert:
            cursor.execute(
                f"{sql} RETURNING {connection.ops.quote_name(obj._meta.pk.column)}", values
            )
            pk = cursor.fetchone()[0]
        else:
            cursor.execute(sql, values)
            pk = cursor.lastrowid
    saved(obj, pk, connection)


@contextlib.contextmanager
def consistent_snapshot():
    """Several reads that see the database at one moment, whatever commits meanwhile.

    On PostgreSQL: a REPEATABLE READ, READ ONLY transaction (its snapshot is taken at
    its first query). Inside a transaction already open (a caller's, or a test's) the
    reads share that transaction, as they must; SQLite serialises writers anyway.
    """
    if connection.in_atomic_block or connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def insert_select(table: str, columns: list[str], constants: list, rows) -> int:
    """``INSERT INTO table (columns) SELECT constants..., row... FROM (rows) ... ON CONFLICT
    DO NOTHING``: a queryset's rows copied in the database, never loaded into Python.

    ``columns`` name the constants first, then the queryset's selected columns in order;
    a row that breaks a unique key is skipped. The number of rows inserted.
    """
    sql, params = rows.query.sql_with_params()
    marks = ", ".join(["%s"] * len(constants))
    statement = (
        f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 - names from the models
        f"SELECT {marks}{', ' if marks else ''}sub.* FROM ({sql}) sub WHERE 1 = 1 "
        "ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [*constants, *params])
        return max(cursor.rowcount, 0)
