"""The periodic jobs of the ledger, in django-celery-beat (editable in the admin afterwards)."""

from django.conf import settings
from django.db import migrations

# name, task, crontab (minute, hour): expiry nightly, reminders daily, release hourly.
SCHEDULES = [
    ("Expire points (nightly)", "rewards.tasks.expire_points", ("15", "2")),
    ("Send expiry reminders (daily)", "rewards.tasks.send_expiry_reminders", ("0", "9")),
    ("Release pending points (hourly)", "rewards.tasks.release_pending_points", ("5", "*")),
]


def create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, (minute, hour) in SCHEDULES:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute,
            hour=hour,
            day_of_week="*",
            day_of_month="*",
            month_of_year="*",
            timezone=settings.TIME_ZONE,
        )
        # get_or_create by name: staff may have edited the schedule; never overwrite it.
        PeriodicTask.objects.get_or_create(
            name=name, defaults={"task": task, "crontab": crontab, "enabled": True}
        )


def remove(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[name for name, _, _ in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("rewards", "0002_expiry_reminders"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
