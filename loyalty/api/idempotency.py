"""``Idempotency-Key`` for every write: the same key and body replay the first response.

The record is inserted before the write, in the write's transaction. On PostgreSQL a
second request with the same key blocks on the unique index until the first commits,
then inserts nothing and replays the stored response; if the first failed (rolled
back), the second runs. A failed write stores nothing, so it can be retried as is.
"""

import functools
import hashlib
import json

from django.db import connection, transaction
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from loyalty.errors import ApplicationError
from rewards.apimodels import ApiKey, IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200


def fingerprint(request) -> str:
    body = request._request.body  # read before DRF parses: Django keeps it for the parser
    try:
        # The same JSON with keys in another order or other spacing is the same request.
        canonical = json.dumps(json.loads(body or b"null"), sort_keys=True).encode()
    except ValueError:
        canonical = body
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    digest.update(canonical)
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


def idempotent(view_method):
    """Wrap an API view's ``post`` with the Idempotency-Key protocol."""

    @functools.wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER, "").strip()
        if not key or not isinstance(request.auth, ApiKey):
            return view_method(self, request, *args, **kwargs)
        if len(key) > MAX_KEY_LENGTH or not key.isprintable():
            raise ApplicationError(
                f"the {HEADER} header must be at most {MAX_KEY_LENGTH} printable characters",
                field=HEADER,
            )
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
