"""Webhooks: signed deliveries of tier changes, redemptions and expiring points; retries; log."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from django.db import transaction

from loyalty.celery import app
from members.signals import tier_changed
from rewards import webhooks
from rewards.models import WebhookDelivery, WebhookEndpoint
from rewards.purchases.recording import record_purchase
from rewards.redemptions.services import cancel_redemption, redeem_points
from tests.factories import TierFactory


class Receiver:
    """A merchant's endpoint on loopback: records what it gets, answers the given statuses."""

    def __init__(self):
        self.received: list[tuple[dict, bytes]] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 204)
                self.end_headers()

            def log_message(self, *args):
                pass

        # Port 0: any free port, so that runs in parallel (other worktrees, CI) never collide.
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def events(self) -> list[str]:
        return [json.loads(body)["type"] for _, body in self.received]


@pytest.fixture
def receiver():
    rec = Receiver()
    rec.thread.start()
    yield rec
    rec.server.shutdown()
    rec.server.server_close()


@pytest.fixture
def endpoint(receiver, program):
    return WebhookEndpoint.objects.create(url=receiver.url)


def fund_and_redeem(member, points=100):
    record_purchase(channel="web", order_id="F", amount="500.00", member_id=member.pk)
    return redeem_points(member_id=member.pk, points=points)


def test_a_redemption_is_announced_with_a_valid_signature(
    endpoint, receiver, member, web, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        redemption = fund_and_redeem(member)
    assert receiver.events() == ["redemption.created"]
    headers, body = receiver.received[0]
    assert json.loads(body)["data"]["redemption"]["code"] == redemption.code
    assert headers["X-Loyalty-Signature"].startswith("sha256=")
    assert webhooks.verify(
        endpoint.secret, headers["X-Loyalty-Timestamp"], body, headers["X-Loyalty-Signature"]
    )
    assert not webhooks.verify(
        "another secret", headers["X-Loyalty-Timestamp"], body, headers["X-Loyalty-Signature"]
    )
    delivery = WebhookDelivery.objects.get()
    assert delivery.succeeded and delivery.response_status == 204


def test_a_cancelled_redemption_is_announced(
    endpoint, receiver, member, web, django_capture_on_commit_callbacks
):
    redemption = fund_and_redeem(member)
    with django_capture_on_commit_callbacks(execute=True):
        cancel_redemption(redemption_id=redemption.pk)
    assert receiver.events() == ["redemption.cancelled"]


def test_a_tier_change_is_announced_with_the_tier_names(
    endpoint, receiver, member, django_capture_on_commit_callbacks
):
    gold = TierFactory(name="Gold")  # a real tier: other receivers read its rank and perks
    with django_capture_on_commit_callbacks(execute=True):
        tier_changed.send(
            sender=type(member), member=member, from_tier=None, to_tier=gold, reason="spend"
        )
    data = json.loads(receiver.received[0][1])["data"]
    assert data["to_tier"] == "Gold"
    assert data["from_tier"] is None


def test_expiring_points_are_announced_through_notify(
    endpoint, receiver, member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        count = webhooks.notify(
            "points.expiring", {"member": {"id": member.pk}, "points": 120, "expires_at": None}
        )
    assert count == 1
    assert receiver.events() == ["points.expiring"]


def test_an_endpoint_gets_only_the_events_it_subscribed_to(
    receiver, program, member, django_capture_on_commit_callbacks
):
    WebhookEndpoint.objects.create(url=receiver.url, events=["tier.changed"])
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.notify("points.expiring", {})
    assert receiver.received == []


def test_a_change_that_rolls_back_is_never_announced(endpoint, receiver, member, web):
    with pytest.raises(RuntimeError), transaction.atomic():
        webhooks.notify("points.expiring", {"member": {"id": member.pk}})
        raise RuntimeError("the change failed")
    assert receiver.received == []


def test_a_failing_receiver_is_retried_and_every_attempt_logged(endpoint, receiver):
    receiver.statuses = [500, 503]
    body = {"id": "evt1", "type": "points.expiring", "created_at": None, "data": {}}
    # Eager retries run at once (no backoff wait) when failures are not propagated.
    app.conf.task_eager_propagates = False
    try:
        result = webhooks.deliver_webhook.apply(args=[endpoint.pk, body], throw=False)
    finally:
        app.conf.task_eager_propagates = True
    attempts = list(WebhookDelivery.objects.order_by("pk").values_list("attempt", "succeeded"))
    assert attempts == [(1, False), (2, False), (3, True)]
    assert len(receiver.received) == 3
    assert result.get() == 204


def test_an_unreachable_receiver_is_logged_and_raised_for_a_retry(program):
    endpoint = WebhookEndpoint.objects.create(url="http://127.0.0.1:8708/nobody-listens")
    body = {"id": "evt2", "type": "points.expiring", "created_at": None, "data": {}}
    with pytest.raises(requests.ConnectionError):
        webhooks.deliver_webhook(endpoint.pk, body)
    assert "ConnectionError" in WebhookDelivery.objects.get().error


def test_the_delivery_task_acks_late_and_backs_off():
    task = webhooks.deliver_webhook
    assert task.acks_late is True
    assert task.retry_backoff
    assert requests.RequestException in task.autoretry_for


def test_an_unknown_event_is_refused(program):
    with pytest.raises(ValueError, match="unknown webhook event"):
        webhooks.notify("nonsense", {})


def test_it_validates_ownership_a_redemption_event_names_only_its_member(
    endpoint, receiver, member, other_member, web, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        fund_and_redeem(member)
    payload = receiver.received[0][1].decode()
    assert member.email in payload
    assert other_member.email not in payload


def test_a_receiver_that_is_down_does_not_fail_the_api_request(
    api, member, django_capture_on_commit_callbacks
):
    WebhookEndpoint.objects.create(url="http://127.0.0.1:8708/nobody-listens")
    record_purchase(channel="web", order_id="F", amount="500.00", member_id=member.pk)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/redemptions/", {"member_id": member.pk, "points": 10}, format="json"
        )
    assert response.status_code == 201
    assert WebhookDelivery.objects.filter(succeeded=False).exists()
