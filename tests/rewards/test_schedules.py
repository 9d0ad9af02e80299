"""The periodic jobs are scheduled in django-celery-beat by a migration, and editable."""

import pytest
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from loyalty.celery import app
from rewards.expiry.services import apply_expiry_policy_to_open_lots
from rewards.models import ExpiryPolicyChange, PointLot, Program
from rewards.purchases.recording import record_purchase
from tests.factories import UserFactory

SCHEDULED = {
    "rewards.tasks.expire_points": ("15", "2"),
    "rewards.tasks.send_expiry_reminders": ("0", "9"),
    "rewards.tasks.release_pending_points": ("5", "*"),
}


@pytest.mark.django_db
def test_the_migration_schedules_expiry_nightly_reminders_daily_and_release_hourly():
    tasks = {
        task.task: (task.crontab.minute, task.crontab.hour)
        for task in PeriodicTask.objects.filter(task__in=SCHEDULED).select_related("crontab")
    }
    assert tasks == SCHEDULED


@pytest.mark.django_db
def test_every_scheduled_task_is_a_registered_celery_task():
    app.loader.import_default_modules()
    for task in PeriodicTask.objects.filter(task__startswith="rewards."):
        assert task.task in app.tasks, task.task


@pytest.mark.django_db
def test_the_scheduled_tasks_are_late_acknowledged():
    app.loader.import_default_modules()
    for name in SCHEDULED:
        assert app.tasks[name].acks_late is True


@pytest.fixture
def staff_client(client, program):
    staff = UserFactory(email="staff@example.com", is_staff=True, is_superuser=True)
    client.force_login(staff)
    client.staff = staff
    return client


@pytest.mark.parametrize(
    "model",
    ["rewards/expiryreminder", "rewards/expirypolicychange", "django_celery_beat/periodictask"],
)
def test_the_expiry_pages_open(staff_client, model):
    assert staff_client.get(f"/admin/{model}/").status_code == 200


def test_the_admin_action_applies_the_policy_and_records_who_did_it(
    staff_client, program, member, web
):
    record_purchase(channel="web", order_id="1", amount="10.00", member_id=member.pk)
    Program.objects.filter(pk=program.pk).update(expiry_policy=Program.Expiry.NEVER)
    response = staff_client.post(
        reverse("admin:rewards_program_changelist"),
        {"action": "apply_expiry_policy_to_open_lots", "_selected_action": [program.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert PointLot.objects.get().expires_at is None
    change = ExpiryPolicyChange.objects.get()
    assert (change.policy, change.applied_by) == ("never", staff_client.staff)


def test_it_validates_ownership_the_policy_action_changes_no_members_points(
    staff_client, program, member, other_member, web
):
    record_purchase(channel="web", order_id="1", amount="10.00", member_id=member.pk)
    record_purchase(channel="web", order_id="2", amount="20.00", member_id=other_member.pk)
    apply_expiry_policy_to_open_lots(user=staff_client.staff)
    assert sorted(PointLot.objects.values_list("member_id", "remaining")) == sorted(
        [(member.pk, 10), (other_member.pk, 20)]
    )
