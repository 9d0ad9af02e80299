"""The provider's tracking (django-anymail): opens and clicks land on the send they are
about, once, and only on it; the KPIs then show open and click rates."""

import base64
import json
from datetime import timedelta

import pytest
from anymail.signals import AnymailTrackingEvent, tracking
from django.core import mail
from django.utils import timezone

from campaigns import lifecycle, sending
from campaigns.mail import deliver
from campaigns.models import MessageSend
from members.models import Member
from reporting import reports
from tests.factories import MemberFactory

pytestmark = pytest.mark.usefixtures("web")
ANYMAIL_TEST = "anymail.backends.test.EmailBackend"  # records ids like a provider, sends nothing
OPEN_RATE, CLICK_RATE = "Email open rate %", "Email click rate %"


@pytest.fixture
def sent(program, settings):
    """Two members' welcome emails, sent through an anymail backend: {email: send}."""
    settings.EMAIL_BACKEND = ANYMAIL_TEST
    for email in ("ann@example.com", "bob@example.com"):
        MemberFactory(email=email, email_offers=True)
    lifecycle.queue_lifecycle()
    assert sending.send_queued() == {"sent": 2}
    return {s.member.email: s for s in MessageSend.objects.select_related("member")}


def event(event_type: str, message_id, **kwargs) -> AnymailTrackingEvent:
    return AnymailTrackingEvent(event_type=event_type, message_id=message_id, **kwargs)


def signal(tracking_event: AnymailTrackingEvent) -> None:
    """What anymail's webhook view does with each event the provider posts."""
    tracking.send(sender=object, event=tracking_event, esp_name="Test")


def kpi(name: str, members=None):
    today = timezone.localdate()
    report = reports.kpis(reports.Period(today, today), members=members)
    return next(row["value"] for row in report.rows if row["kpi"] == name)


def test_the_providers_message_id_is_stored_on_each_send(sent):
    ids = {send.provider_id for send in sent.values()}
    assert len(ids) == 2 and "" not in ids
    assert {m.to[0]: str(m.anymail_status.message_id) for m in mail.outbox} == {
        email: send.provider_id for email, send in sent.items()
    }


def test_a_backend_without_ids_gives_an_empty_one(member, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert deliver(member=member, subject="Hi", body="Hello", headers={}) == ""


def test_an_open_is_recorded_once_and_the_open_rate_becomes_a_number(sent):
    assert kpi(OPEN_RATE) is None  # n/a: nothing tracked yet
    ann = sent["ann@example.com"]
    first = timezone.now() - timedelta(minutes=5)
    signal(event("opened", ann.provider_id, timestamp=first))
    signal(event("opened", ann.provider_id, timestamp=timezone.now()))  # reopened: kept first
    ann.refresh_from_db()
    assert ann.opened_at == first and ann.clicked_at is None
    assert kpi(OPEN_RATE) == 50
    assert kpi(CLICK_RATE) == 0


def test_a_click_is_recorded_and_counts_as_an_open(sent):
    bob = sent["bob@example.com"]
    signal(event("clicked", bob.provider_id, click_url="https://example.com/"))
    bob.refresh_from_db()
    assert bob.clicked_at is not None and bob.opened_at == bob.clicked_at
    assert (kpi(OPEN_RATE), kpi(CLICK_RATE)) == (50, 50)


@pytest.mark.parametrize("message_id", ["not-ours", "", None])
def test_an_unknown_or_missing_message_id_changes_nothing(sent, message_id):
    MessageSend.objects.create(member=sent["ann@example.com"].member, kind="birthday",
                               event_key="2025", status="sent", sent_at=timezone.now())  # fmt: skip
    before = list(MessageSend.objects.values_list("pk", "opened_at", "clicked_at", "status"))
    signal(event("opened", message_id))
    signal(event("clicked", message_id))
    after = list(MessageSend.objects.values_list("pk", "opened_at", "clicked_at", "status"))
    assert after == before
    assert kpi(OPEN_RATE) is None


@pytest.mark.parametrize("event_type", ["delivered", "bounced", "complained", "unsubscribed"])
def test_delivery_events_change_nothing(sent, event_type):
    ann = sent["ann@example.com"]
    signal(event(event_type, ann.provider_id))
    ann.refresh_from_db()
    assert (ann.status, ann.opened_at, ann.clicked_at) == ("sent", None, None)
    assert Member.objects.get(pk=ann.member_id).email_offers  # our consent is ours to change


def test_it_validates_ownership_one_members_open_never_lands_on_anothers(sent):
    ann, bob = sent["ann@example.com"], sent["bob@example.com"]
    signal(event("opened", ann.provider_id))
    bob.refresh_from_db()
    assert bob.opened_at is None
    assert kpi(OPEN_RATE, Member.objects.filter(pk=ann.member_id).values("pk")) == 100
    assert kpi(OPEN_RATE, Member.objects.filter(pk=bob.member_id).values("pk")) is None


def basic_auth(secret: str) -> str:
    return "Basic " + base64.b64encode(secret.encode()).decode()


def test_postmarks_tracking_webhook_records_an_open(sent, client, settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": "postmark:s3cret"}
    ann = sent["ann@example.com"]
    payload = {"RecordType": "Open", "MessageID": ann.provider_id,
               "Recipient": "ann@example.com", "ReceivedAt": "2025-02-11T12:00:00Z"}  # fmt: skip

    def post(secret):
        return client.post(
            "/anymail/postmark/tracking/",
            json.dumps(payload),
            content_type="application/json",
            HTTP_AUTHORIZATION=basic_auth(secret),
        )

    assert post("postmark:guess").status_code == 400  # a forged call: refused, nothing recorded
    ann.refresh_from_db()
    assert ann.opened_at is None
    assert post("postmark:s3cret").status_code == 200
    ann.refresh_from_db()
    assert ann.opened_at.isoformat() == "2025-02-11T12:00:00+00:00"


def test_without_a_secret_the_tracking_webhook_does_not_exist(sent, client, settings):
    settings.ANYMAIL = {}
    ann = sent["ann@example.com"]
    payload = {"RecordType": "Open", "MessageID": ann.provider_id,
               "Recipient": "ann@example.com", "ReceivedAt": "2025-02-11T12:00:00Z"}  # fmt: skip
    answer = client.post(
        "/anymail/postmark/tracking/", json.dumps(payload), content_type="application/json"
    )
    assert answer.status_code == 404  # anymail alone would accept it and log a warning
    ann.refresh_from_db()
    assert ann.opened_at is None
