"""Webhooks: tell the merchant's systems of tier changes, redemptions and expiring points.

``notify(event, payload)`` is the one entry point (the expiry reminder job calls it with
``points.expiring``): it schedules one delivery per subscribed endpoint once the current
transaction commits, so a rolled-back change is never announced. Each delivery is a Celery
task that POSTs the JSON body signed with HMAC-SHA256, retries with exponential backoff on
network errors and non-2xx answers, and logs every attempt as a ``WebhookDelivery``.

Receivers verify ``X-Loyalty-Signature: sha256=<hex>`` where hex is
HMAC-SHA256(secret, f"{X-Loyalty-Timestamp}.{raw body}"), and reject old timestamps.
"""

import hashlib
import hmac
import json
import logging
import time
import uuid

import requests
from celery import shared_task
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from members.models import Tier

from .models import WebhookDelivery, WebhookEndpoint

log = logging.getLogger(__name__)

Event = WebhookEndpoint.Event
TIMEOUT = (3.05, 10)  # connect, read: a slow receiver must not hold a worker for long
MAX_RETRIES = 8


class DeliveryFailed(Exception):
    """The receiver answered with a status other than 2xx: try again later."""


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def verify(secret: str, timestamp: str, body: bytes, signature: str, *, tolerance=300) -> bool:
    """What a receiver does (documented in the README; used by the tests)."""
    try:
        moment = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs(time.time() - moment) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, moment, body), signature or "")


def notify(event: str, payload: dict) -> int:
    """Announce ``event`` to every active endpoint that wants it, after the commit.

    Returns how many deliveries were scheduled. ``payload`` must be JSON-serialisable
    (Decimals and datetimes are fine).
    """
    if event not in Event.values:
        raise ValueError(f"unknown webhook event {event!r}; known: {Event.values}")
    endpoints = [e for e in WebhookEndpoint.objects.filter(active=True) if e.wants(event)]
    if not endpoints:
        return 0
    envelope = {
        "id": uuid.uuid4().hex,
        "type": event,
        "created_at": timezone.now(),
        "data": payload,
    }
    body = json.loads(json.dumps(envelope, cls=DjangoJSONEncoder))
    for endpoint in endpoints:
        # robust: a delivery that cannot even be queued (or, with eager tasks, fails)
        # is logged; it must not turn the committed change into an error for the caller.
        transaction.on_commit(
            lambda endpoint_id=endpoint.pk: deliver_webhook.delay(endpoint_id, body), robust=True
        )
    return len(endpoints)


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(requests.RequestException, DeliveryFailed),
    retry_backoff=True,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
)
def deliver_webhook(self, endpoint_id: int, body: dict) -> int | None:
    """POST one event to one endpoint; every attempt is logged, failures retry with backoff."""
    endpoint = WebhookEndpoint.objects.filter(pk=endpoint_id, active=True).first()
    if endpoint is None:
        return None  # deleted or switched off since: nothing to deliver
    raw = json.dumps(body, separators=(",", ":")).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "loyalty-webhooks/1",
        "X-Loyalty-Event": body["type"],
        "X-Loyalty-Delivery": body["id"],
        "X-Loyalty-Timestamp": str(timestamp),
        "X-Loyalty-Signature": sign(endpoint.secret, timestamp, raw),
    }
    attempt = WebhookDelivery(
        endpoint=endpoint,
        event=body["type"],
        event_id=body["id"],
        attempt=self.request.retries + 1,
        payload=body,
    )
    started = time.monotonic()
    try:
        response = requests.post(
            endpoint.url, data=raw, headers=headers, timeout=TIMEOUT, allow_redirects=False
        )
    except requests.RequestException as exc:
        attempt.error = f"{type(exc).__name__}: {exc}"[:2000]
        attempt.duration_ms = int((time.monotonic() - started) * 1000)
        attempt.save()
        raise
    attempt.duration_ms = int((time.monotonic() - started) * 1000)
    attempt.response_status = response.status_code
    attempt.succeeded = 200 <= response.status_code < 300
    if not attempt.succeeded:
        attempt.error = response.text[:2000]
    attempt.save()
    if not attempt.succeeded:
        raise DeliveryFailed(f"{endpoint.url} answered {response.status_code}")
    return response.status_code


# ---------------------------------------------------------------- signal receivers


def _member(member) -> dict:
    return {"id": member.pk, "email": member.email, "external_id": member.external_id}


def _tier_name(tier: Tier | None) -> str | None:
    return tier.name if tier is not None else None


def on_tier_changed(sender, member, from_tier=None, to_tier=None, reason="", **kwargs):
    notify(
        Event.TIER_CHANGED,
        {
            "member": _member(member),
            "from_tier": _tier_name(from_tier),
            "to_tier": _tier_name(to_tier),
            "reason": str(reason or ""),
        },
    )


def _redemption(redemption) -> dict:
    return {
        "member": _member(redemption.member),
        "redemption": {
            "id": redemption.pk,
            "code": redemption.code,
            "status": redemption.status,
            "points": redemption.points,
            "value": redemption.value,
            "currency": redemption.currency,
            "reward_id": redemption.reward_id,
        },
    }


def on_redemption_created(sender, redemption, **kwargs):
    notify(Event.REDEMPTION_CREATED, _redemption(redemption))


def on_redemption_cancelled(sender, redemption, **kwargs):
    notify(Event.REDEMPTION_CANCELLED, _redemption(redemption))


def connect() -> None:
    from members.signals import tier_changed

    from .signals import redemption_cancelled, redemption_created

    tier_changed.connect(on_tier_changed, dispatch_uid="webhooks.tier_changed")
    redemption_created.connect(on_redemption_created, dispatch_uid="webhooks.redemption_created")
    redemption_cancelled.connect(
        on_redemption_cancelled, dispatch_uid="webhooks.redemption_cancelled"
    )
