"""Models of the integration API: API keys, idempotency records, webhook endpoints, deliveries."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

KEY_PREFIX = "lk"


def hash_secret(secret: str) -> str:
    # The secret is 32 random bytes: a fast hash is enough (no dictionary to attack),
    # and it keeps authentication to one indexed lookup and one digest per request.
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiKey(models.Model):
    """A key for one integration (web shop, tills...), with its scopes. Only a hash is stored."""

    class Scope(models.TextChoices):
        READ = "read", "Read (look-ups, balances, lists)"
        EARN = "earn", "Earn (enrol, purchases, refunds, actions)"
        REDEEM = "redeem", "Redeem (redemptions, codes)"
        FINANCE = "finance", "Finance (redemption-rate estimates, closing periods)"

    name = models.CharField(max_length=100, help_text="Which integration uses the key.")
    prefix = models.CharField(max_length=12, unique=True, editable=False)
    hashed_secret = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(default=list, help_text='e.g. ["read", "earn"]')
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, editable=False
    )
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({KEY_PREFIX}_{self.prefix}_...)"

    @classmethod
    def issue(cls, *, name: str, scopes: list[str], created_by=None) -> tuple["ApiKey", str]:
        """A new key and its full text, which is shown once and never stored."""
        unknown = set(scopes) - set(cls.Scope.values)
        if unknown or not scopes:
            raise ValueError(f"scopes must be some of {cls.Scope.values}, not {scopes!r}")
        prefix = secrets.token_hex(4)
        secret = secrets.token_urlsafe(32)
        key = cls.objects.create(
            name=name,
            prefix=prefix,
            hashed_secret=hash_secret(secret),
            scopes=sorted(set(scopes)),
            created_by=created_by,
        )
        return key, f"{KEY_PREFIX}_{prefix}_{secret}"

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or [])

    def revoke(self) -> None:
        self.active = False
        self.revoked_at = timezone.now()
        self.save(update_fields=["active", "revoked_at"])


class IdempotencyRecord(models.Model):
    """The first response to a write sent with an ``Idempotency-Key`` header.

    The unique (api key, key) row is inserted before the write runs, in the same
    transaction, so a concurrent request with the same key waits for it and then
    replays the stored response instead of writing again.
    """

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["api_key", "key"], name="idempotency_key_per_api_key")
        ]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"


def new_webhook_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(24)}"


class WebhookEndpoint(models.Model):
    """A merchant URL told of events (tier changes, redemptions, expiring points)."""

    class Event(models.TextChoices):
        TIER_CHANGED = "tier.changed", "A member's tier changed"
        REDEMPTION_CREATED = "redemption.created", "A redemption was made"
        REDEMPTION_CANCELLED = "redemption.cancelled", "A redemption was cancelled"
        POINTS_EXPIRING = "points.expiring", "A member's points expire soon"

    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(
        default=list, help_text='Events to send, e.g. ["tier.changed"]; empty for all.'
    )
    secret = models.CharField(
        max_length=100,
        default=new_webhook_secret,
        help_text="Signs each delivery (HMAC-SHA256); give it to the receiver.",
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["url"]

    def __str__(self) -> str:
        return self.url

    def wants(self, event: str) -> bool:
        return not self.events or event in self.events


class WebhookDelivery(models.Model):
    """One attempt to deliver one event to one endpoint, kept as a log."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=50)
    event_id = models.CharField(max_length=64, db_index=True)
    attempt = models.PositiveSmallIntegerField(default=1)
    payload = models.JSONField()
    succeeded = models.BooleanField(default=False)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "webhook deliveries"
        indexes = [models.Index(fields=["endpoint", "created_at"])]

    def __str__(self) -> str:
        outcome = "delivered" if self.succeeded else "failed"
        return f"{self.event} to {self.endpoint.url}, attempt {self.attempt} ({outcome})"
