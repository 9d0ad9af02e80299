"""Lifecycle messages: queued once per event, only to consenting members, sent at most
once even when a worker dies mid-send, with a one-click unsubscribe (RFC 8058)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from campaigns import lifecycle, sending, unsubscribe
from campaigns.models import MessageSend, MessageTemplate
from members.models import Member
from rewards.purchases.recording import record_purchase
from tests.factories import MemberFactory, RewardFactory

from .backends import DIE, WorkerKilled, outbox_for

pytestmark = pytest.mark.usefixtures("web")
DYING = "tests.campaigns.backends.DyingBackend"


@pytest.fixture
def people(program):
    return [MemberFactory(email=f"m{i}@example.com", email_offers=True) for i in range(4)]


def test_welcome_is_queued_once_and_only_to_members_who_consented(people):
    MemberFactory(email="no@example.com", email_offers=False)
    MemberFactory(email="gone@example.com", email_offers=True, status="suspended")
    assert lifecycle.queue_lifecycle()["welcome"] == 4
    assert lifecycle.queue_lifecycle()["welcome"] == 0
    assert set(MessageSend.objects.values_list("member__email", flat=True)) == {
        m.email for m in people
    }


def test_a_sent_message_carries_the_one_click_unsubscribe_headers(people):
    lifecycle.queue_lifecycle()
    assert sending.send_queued() == {"sent": 4}
    message = next(m for m in mail.outbox if m.to == ["m0@example.com"])
    link = unsubscribe.url_for(people[0].pk)
    assert message.extra_headers["List-Unsubscribe"] == f"<{link}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link in message.body
    assert MessageSend.objects.filter(status="sent").count() == 4


def test_a_worker_killed_between_claim_and_send_never_sends_twice(people, settings):
    lifecycle.queue_lifecycle()
    settings.EMAIL_BACKEND = DYING
    DIE.update(at=2, after_send=False, calls=0)
    with pytest.raises(WorkerKilled):
        sending.send_queued()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    sending.send_queued()  # the next run resumes with the rest of the queue
    sending.send_queued()
    counts = [outbox_for(m.email) for m in people]
    assert max(counts) == 1 and sum(counts) == 3  # the one in flight is not retried
    assert MessageSend.objects.filter(status="claimed").count() == 1


def test_a_worker_killed_after_the_send_does_not_send_it_again(people, settings):
    lifecycle.queue_lifecycle()
    settings.EMAIL_BACKEND = DYING
    DIE.update(at=2, after_send=True, calls=0)
    with pytest.raises(WorkerKilled):
        sending.send_queued()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    sending.send_queued()
    assert [outbox_for(m.email) for m in people] == [1, 1, 1, 1]


def test_a_refusing_mail_server_is_retried_then_marked_failed(people, settings):
    lifecycle.queue_lifecycle()
    settings.EMAIL_BACKEND = "tests.campaigns.backends.RefusingBackend"
    assert sending.send_queued() == {"queued": 4}
    sending.send_queued()
    assert sending.send_queued() == {"failed": 4}
    send = MessageSend.objects.first()
    assert (send.attempts, send.error) == (3, "the mail server is down")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert sending.send_queued() == {}
    assert mail.outbox == []


def test_consent_withdrawn_after_queueing_skips_the_message(people):
    lifecycle.queue_lifecycle()
    Member.objects.filter(pk=people[0].pk).update(email_offers=False)
    assert sending.send_queued() == {"sent": 3, "skipped": 1}
    assert outbox_for("m0@example.com") == 0


def test_one_click_unsubscribe_withdraws_consent(client, people):
    url = unsubscribe.url_for(people[0].pk).removeprefix("http://127.0.0.1:8000")
    response = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    people[0].refresh_from_db()
    assert people[0].email_offers is False


def test_the_unsubscribe_link_asks_before_it_acts(client, people):
    url = unsubscribe.url_for(people[0].pk).removeprefix("http://127.0.0.1:8000")
    assert b"Stop sending offers" in client.get(url).content
    people[0].refresh_from_db()
    assert people[0].email_offers is True
    assert b"will receive no more offers" in client.post(url).content


def test_it_validates_ownership_a_tampered_token_unsubscribes_nobody(client, people):
    token = unsubscribe.token_for(people[0].pk)
    response = client.post(f"/messages/unsubscribe/{token[:-2]}xx/")
    assert response.status_code == 400
    assert b"not valid" in response.content
    assert Member.objects.filter(email_offers=True).count() == 4


def test_points_earned_is_one_digest_a_day(people):
    MessageSend.objects.all().delete()
    yesterday = timezone.now() - timedelta(days=1)
    for order in ("a", "b"):
        record_purchase(
            channel="web", order_id=order, amount="30.00", member_id=people[1].pk,
            purchased_at=yesterday.replace(hour=12),
        )  # fmt: skip
    assert (
        lifecycle.queue(
            "points_earned", lifecycle.points_earned(timezone.now()), now=timezone.now()
        )
        == 1
    )
    sending.send_queued()
    assert "You earned 60 points" in mail.outbox[0].subject


def test_a_reward_within_reach_names_the_missing_points(people):
    RewardFactory(name="Coffee", points_cost=100)
    record_purchase(
        channel="web", order_id="c", amount="85.00", member_id=people[2].pk,
        purchased_at=timezone.now() - timedelta(hours=1),
    )  # fmt: skip
    now = timezone.now()
    assert lifecycle.queue("reward_in_reach", lifecycle.reward_in_reach(now), now=now) == 1
    sending.send_queued()
    assert "Only 15 more points and Coffee is yours" in mail.outbox[0].body


def test_the_template_in_the_members_language_is_used_with_english_fallback(people):
    MessageTemplate.objects.create(
        kind="welcome", language="en", subject="Hi {{ name }}!", body="Welcome aboard."
    )
    lifecycle.queue_lifecycle()
    sending.send_queued()
    assert mail.outbox[0].subject.startswith("Hi ")
    assert mail.outbox[0].body.startswith("Welcome aboard.")


def test_the_template_admin_shows_a_preview(client, people):
    from tests.factories import UserFactory

    client.force_login(UserFactory(email="s@example.com", is_staff=True, is_superuser=True))
    template = MessageTemplate.objects.create(
        kind="birthday", language="en", subject="Happy birthday {{ name }}", body="Cake."
    )
    page = client.get(f"/admin/campaigns/messagetemplate/{template.pk}/change/").content.decode()
    assert "Happy birthday " + people[0].first_name in page


def test_a_campaign_message_goes_to_targeted_members_never_to_the_held_out(people, admin_user):
    from campaigns import services
    from campaigns.models import Campaign, CampaignMember, Segment

    segment = Segment.objects.create(
        name="All", definition={"conditions": [{"kind": "consent", "channel": "email"}]}
    )
    now = timezone.now()
    campaign = Campaign.objects.create(
        name="Hello", kind="message", segment=segment, starts_at=now, ends_at=now + timedelta(1),
        control_share="0.25", seed=1,
    )  # fmt: skip
    services.launch_campaign(campaign_id=campaign.pk, user=admin_user)
    assert lifecycle.queue_campaign_message(campaign_id=campaign.pk) == 3
    assert lifecycle.queue_campaign_message(campaign_id=campaign.pk) == 0
    sending.send_queued()
    held = CampaignMember.objects.get(held_out=True).member
    assert outbox_for(held.email) == 0
    assert len(mail.outbox) == 3 and mail.outbox[0].subject == "Hello"


def test_birthday_and_win_back_are_queued_once_per_event(people):
    now = timezone.now()
    Member.objects.filter(pk=people[0].pk).update(birthday=now.date().replace(year=1992))
    record_purchase(
        channel="web", order_id="old", amount="10.00", member_id=people[1].pk,
        purchased_at=now - timedelta(days=200),
    )  # fmt: skip
    queued = lifecycle.queue_lifecycle(now=now)
    assert (queued["birthday"], queued["win_back"]) == (1, 1)
    again = lifecycle.queue_lifecycle(now=now + timedelta(days=3))
    assert (again["birthday"], again["win_back"]) == (0, 0)
