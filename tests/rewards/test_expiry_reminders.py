"""Expiry reminders: one email per window, with the amount and the date, sent once."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from members.models import Member
from rewards import tasks
from rewards.expiry.reminders import send_expiry_reminders
from rewards.models import ExpiryReminder, PointLot, Program, parse_reminder_days
from rewards.purchases.recording import record_purchase
from rewards.redemptions.services import redeem_points

pytestmark = pytest.mark.usefixtures("web")


def lot_expiring_in(member, points, days, order_id=None):
    """A lot of ``points`` that expires ``days`` days from now."""
    purchase = record_purchase(
        channel="web",
        order_id=order_id or f"{member.pk}-{days}-{points}",
        amount=f"{points}.00",
        member_id=member.pk,
    )
    PointLot.objects.filter(purchase=purchase).update(
        expires_at=timezone.now() + timedelta(days=days, hours=1)
    )
    return purchase


def test_a_member_with_points_expiring_within_30_days_gets_one_email(member):
    lot_expiring_in(member, 120, 20)
    result = send_expiry_reminders()
    assert result["emails"] == 1
    message = mail.outbox[0]
    assert message.to == [member.email]
    expires_on = timezone.localdate(timezone.now() + timedelta(days=20, hours=1))
    assert "120 points on" in message.body
    assert f"{expires_on:%d %B %Y}" in message.body
    assert ExpiryReminder.objects.get().window_days == 30


def test_the_same_reminder_is_not_sent_again_on_the_next_run(member):
    lot_expiring_in(member, 120, 20)
    send_expiry_reminders()
    assert send_expiry_reminders()["emails"] == 0
    assert len(mail.outbox) == 1


def test_the_7_day_reminder_follows_the_30_day_one(member):
    lot_expiring_in(member, 120, 20)
    send_expiry_reminders()
    later = timezone.now() + timedelta(days=14)
    assert send_expiry_reminders(now=later)["emails"] == 1
    assert sorted(ExpiryReminder.objects.values_list("window_days", flat=True)) == [7, 30]
    assert len(mail.outbox) == 2


def test_a_first_run_inside_the_last_window_sends_one_email_not_two(member):
    lot_expiring_in(member, 50, 3)
    send_expiry_reminders()
    assert len(mail.outbox) == 1
    assert list(ExpiryReminder.objects.values_list("window_days", flat=True)) == [7]


def test_points_expiring_later_than_every_window_get_no_email(member):
    lot_expiring_in(member, 50, 45)
    assert send_expiry_reminders()["emails"] == 0
    assert mail.outbox == []


def test_spent_points_get_no_reminder(member):
    lot_expiring_in(member, 100, 10)
    redeem_points(member_id=member.pk, points=100)
    assert send_expiry_reminders()["emails"] == 0


def test_no_reminder_when_the_program_sets_no_windows(member, program):
    program.expiry_reminder_days = ""
    program.save()
    lot_expiring_in(member, 100, 10)
    assert send_expiry_reminders()["emails"] == 0


def test_a_suspended_member_gets_no_reminder(member):
    lot_expiring_in(member, 100, 10)
    Member.objects.filter(pk=member.pk).update(status=Member.Status.SUSPENDED)
    assert send_expiry_reminders()["emails"] == 0


def test_a_failed_send_is_not_recorded_and_is_retried_next_run(member, settings):
    lot_expiring_in(member, 100, 10)
    settings.EMAIL_BACKEND = "tests.rewards.test_expiry_reminders.FailingBackend"
    assert send_expiry_reminders()["failed"] == 1
    assert not ExpiryReminder.objects.exists()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_expiry_reminders()["emails"] == 1


def test_the_whole_balance_is_announced_before_inactivity_expires_it(member, program):
    program.expiry_policy = Program.Expiry.INACTIVITY
    program.expiry_months = 6
    program.save()
    record_purchase(
        channel="web",
        order_id="old",
        amount="80.00",
        member_id=member.pk,
        purchased_at=timezone.now() - timedelta(days=170),
    )
    assert send_expiry_reminders()["emails"] == 1
    assert "80 points on" in mail.outbox[0].body


def test_it_validates_ownership_each_member_is_told_only_their_own_points(member, other_member):
    lot_expiring_in(member, 120, 20)
    lot_expiring_in(other_member, 33, 5)
    send_expiry_reminders()
    bodies = {message.to[0]: message.body for message in mail.outbox}
    assert "120 points" in bodies[member.email] and "33 points" not in bodies[member.email]
    assert "33 points" in bodies[other_member.email] and "120" not in bodies[other_member.email]


def test_the_task_and_the_command_send_the_reminders(member, capsys):
    lot_expiring_in(member, 120, 20, order_id="a")
    assert tasks.send_expiry_reminders.delay().get()["emails"] == 1
    lot_expiring_in(member, 10, 25, order_id="b")
    call_command("send_expiry_reminders")
    assert "sent 1 expiry reminder(s)" in capsys.readouterr().out


@pytest.mark.parametrize("value", ["30,x", "0", "400", "7;30"])
def test_bad_reminder_windows_are_refused(value):
    with pytest.raises(ValidationError):
        parse_reminder_days(value)


def test_reminder_windows_are_read_largest_first():
    assert parse_reminder_days(" 7, 30 ,7") == [30, 7]


class FailingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")
