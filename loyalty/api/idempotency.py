"""``Idempotency-Key`` for every write: the same key and body replay the first response.

The record is inserted before the write, in the write's transaction. On PostgreSQL a
second request with the same key blocks on the unique index until the first commits,
then inserts nothing and replays the stored response; if the first failed (rolled
back), the second runs. A failed write stores nothing, so it can be retried as is.
"""

import functools
import hashlib
import json
import re

from django.db import connection, transaction
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from loyalty.errors import ApplicationError
from rewards.models import ApiKey, IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200
KEY_PATTERN = rf"^[!-~]{{1,{MAX_KEY_LENGTH}}}$"  # printable ASCII, no spaces (the schema's too)
KEY = re.compile(KEY_PATTERN)


def fingerprint(request) -> str:
    """The request's method, path and JSON body, the same whatever the keys' order or spacing.

    ``request.data`` is the parsed body (the view reads the same, parsed once): a body the
    parser refuses (malformed, too deep, too large) is answered before anything is claimed.
    """
    canonical = json.dumps(request.data, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    digest.update(canonical.encode())
    return digest.hexdigest()


def _store(record_id: int, response: Response) -> None:
    """Keep the response for replays: its JSON as rendered, in one hand-written UPDATE
    (an ORM update would cost more than the rest of the idempotency protocol)."""
    body = JSONRenderer().render(response.data).decode() or "null"
    cast = "::jsonb" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {IdempotencyRecord._meta.db_table} "  # noqa: S608
            f"SET response_status = %s, response_body = %s{cast} WHERE id = %s",
            [response.status_code, body, record_id],
        )


def header_key(request) -> str | None:
    """The request's Idempotency-Key; a header that is present must be a valid key (400)."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not KEY.fullmatch(key):
        raise exceptions.ValidationError(
            {HEADER: [f"1 to {MAX_KEY_LENGTH} printable ASCII characters, no spaces"]}
        )
    return key


def idempotent(view_method):
    """Wrap an API view's ``post`` with the Idempotency-Key protocol."""

    @functools.wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        key = header_key(request)
        if key is None or not isinstance(request.auth, ApiKey):
            return view_method(self, request, *args, **kwargs)
        digest = fingerprint(request)
        with transaction.atomic():
            record_id = _claim(request.auth, key, request, digest)
            if record_id is None:
                return _replay(request.auth, key, digest)
            response = view_method(self, request, *args, **kwargs)
            _store(record_id, response)
        response["Idempotency-Key"] = key
        return response

    return wrapper


def _claim(api_key, key: str, request, digest: str) -> int | None:
    """Insert the record; None when the key is taken (after waiting for its transaction).

    ``ON CONFLICT DO NOTHING`` (PostgreSQL and SQLite) instead of catching an
    IntegrityError: no savepoint round trips on the hot path of every write.
    """
    table = IdempotencyRecord._meta.db_table
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (api_key_id, key, method, path, request_hash, created_at) "  # noqa: S608
            "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (api_key_id, key) DO NOTHING RETURNING id",
            [api_key.pk, key, request.method, request.path[:500], digest, now],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _replay(api_key, key: str, digest: str) -> Response:
    record = IdempotencyRecord.objects.get(api_key=api_key, key=key)
    if record.request_hash != digest:
        raise ApplicationError(
            f"the {HEADER} {key!r} was already used with a different request",
            code="idempotency_conflict",
            field=HEADER,
        )
    response = Response(record.response_body, status=record.response_status)
    response["Idempotency-Key"] = key
    response["Idempotent-Replayed"] = "true"
    return response
