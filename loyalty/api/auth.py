"""Authentication (API keys for integrations, the portal's session for members) and scopes."""

import hmac
import re
from datetime import timedelta

from django.db import connection
from django.utils import timezone
from rest_framework import authentication, exceptions, permissions

from loyalty.db import RowLoader
from rewards.models import KEY_PREFIX, ApiKey, hash_secret

HEADER_KEYWORD = "Api-Key"
PREFIX = re.compile(r"[0-9a-f]{8}")  # what ApiKey.issue makes: nothing else is looked up
# Recording every use would add a write to every read; a minute's precision is enough.
LAST_USED_PRECISION = timedelta(minutes=1)


_keys = RowLoader(ApiKey)


def find_key(prefix: str) -> ApiKey | None:
    """The key of this prefix (unique): one hand-written SELECT, as every request runs it
    and compiling the ORM's query cost more than the database's answer."""
    table = connection.ops.quote_name(ApiKey._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {_keys.columns(connection)} FROM {table} WHERE {table}.prefix = %s",  # noqa: S608
            [prefix],
        )
        row = cursor.fetchone()
    return None if row is None else _keys.load(connection, row)


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """``Authorization: Api-Key lk_<prefix>_<secret>``; ``request.auth`` is the ``ApiKey``."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode("latin-1").lower() != HEADER_KEYWORD.lower():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("the header is 'Authorization: Api-Key <key>'")
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("invalid API key") from None
        parts = raw.split("_", 2)
        if len(parts) != 3 or parts[0] != KEY_PREFIX or not PREFIX.fullmatch(parts[1]):
            raise exceptions.AuthenticationFailed("invalid API key")
        key = find_key(parts[1])
        if key is None or not hmac.compare_digest(key.hashed_secret, hash_secret(parts[2])):
            raise exceptions.AuthenticationFailed("invalid API key")
        if not key.active:
            raise exceptions.AuthenticationFailed("this API key was revoked")
        now = timezone.now()
        if key.last_used_at is None or now - key.last_used_at > LAST_USED_PRECISION:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        return (None, key)

    def authenticate_header(self, request):
        return HEADER_KEYWORD


class MemberSessionAuthentication(authentication.SessionAuthentication):
    """The portal's session (with CSRF on writes); without one, a 401 that says so."""

    def authenticate_header(self, request):
        return 'Session realm="member portal"'


class HasScope(permissions.BasePermission):
    """The key must carry the view's ``required_scope`` (read, earn or redeem)."""

    message = "this API key does not have the scope this operation needs"

    def has_permission(self, request, view):
        key = request.auth
        if not isinstance(key, ApiKey):
            return False
        scope = view.required_scope  # every API-key view declares it (IntegrationView)
        if not key.has_scope(scope):
            self.message = f"this API key lacks the '{scope}' scope"
            return False
        return True
