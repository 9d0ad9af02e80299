# Nightly schedules (django-celery-beat) of the tier, birthday and referral jobs.

from django.db import migrations

SCHEDULES = [
    # (task, name, hour, minute)
    ("rewards.tasks.evaluate_tiers", "Evaluate tiers (nightly)", "2", "30"),
    ("rewards.tasks.award_birthday_bonuses", "Birthday bonuses (daily)", "6", "0"),
    ("referrals.tasks.pay_due_referrals", "Pay due referral rewards (nightly)", "3", "15"),
]


def add(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for task, name, hour, minute in SCHEDULES:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute, hour=hour, day_of_week="*", day_of_month="*", month_of_year="*"
        )
        if not PeriodicTask.objects.filter(task=task).exists():
            PeriodicTask.objects.create(name=name, task=task, crontab=crontab)


def remove(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(task__in=[task for task, *_ in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(add, remove)]
