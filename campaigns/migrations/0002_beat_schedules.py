"""The periodic jobs of campaigns, in django-celery-beat (editable in the admin afterwards)."""

from django.conf import settings
from django.db import migrations

# name, task, crontab (minute, hour)
SCHEDULES = [
    ("Queue lifecycle messages (daily)", "campaigns.tasks.queue_lifecycle_messages", ("30", "8")),
    ("Send queued messages (every 5 minutes)", "campaigns.tasks.send_queued_messages", ("*/5", "*")),
    ("Start and end campaigns (every 5 minutes)", "campaigns.tasks.advance_campaigns", ("*/5", "*")),
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
        PeriodicTask.objects.get_or_create(
            name=name, defaults={"task": task, "crontab": crontab, "enabled": True}
        )


def remove(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[name for name, _, _ in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
