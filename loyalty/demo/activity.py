"""The demo's activity: referrals, actions, an import, integrations, a large adjustment, reports.

Each part goes through the services, so that every admin page has something real to
show: a referral awaiting approval, an imported customer who has not claimed their
membership yet, an API key, expiry reminders, a closed period, liability snapshots.
"""

from datetime import date, timedelta

from django.core.files.base import ContentFile
from django.test import override_settings
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from members.models import Member, User
from members.services import enroll_member
from referrals import services as referrals
from referrals.rewarding import pay_due_referrals
from reporting import services as reporting
from rewards import privacy
from rewards.actions.services import award_birthday_bonuses, record_action
from rewards.adjustments.services import request_adjustment
from rewards.expiry.release import release_pending_points
from rewards.expiry.reminders import send_expiry_reminders
from rewards.expiry.services import apply_expiry_policy_to_open_lots
from rewards.importing import jobs
from rewards.models import ApiKey, ImportJob, Purchase, WebhookEndpoint
from rewards.purchases.recording import record_purchase

IMPORTED_EMAIL = "imported@example.com"

INTERNATIONAL_EMAIL = "josé@exämple.de"  # an internationalised address (RFC 6531)
IMPORT_FILE = f"""order_id,email,purchased_at,amount,refunded amount
IMP-1,{IMPORTED_EMAIL},{{day1}},42.50,
IMP-2,{IMPORTED_EMAIL},{{day2}},18.00,
IMP-3,{INTERNATIONAL_EMAIL},{{day2}},60.00,20.00
"=HYPERLINK(""http://example.com"",""click"")",someone@example.com,{{day2}},not-a-number,
"""


def load_referrals(maria: Member, *, now) -> None:
    """Maria's friends: one rewarded, one joined, one look-alike awaiting approval."""
    code = referrals.record_share(member_id=maria.pk).code
    for index, (email, amount) in enumerate(
        [("friend.one@example.com", "45.00"), ("friend.two@example.com", None)]
    ):
        friend = enroll_member(email=email, first_name=f"Friend {index + 1}")
        referrals.attach_referral(
            referee_member_id=friend.pk, code=code, source="signup", at=now - timedelta(days=30)
        )
        if amount:
            record_purchase(
                channel="web",
                order_id=f"REF-{index + 1}",
                amount=amount,
                member_id=friend.pk,
                purchased_at=now - timedelta(days=25),
            )
    # A look-alike address: waits for staff approval in the admin.
    lookalike = enroll_member(email="member@another.example", first_name="Maria")
    referrals.attach_referral(referee_member_id=lookalike.pk, code=code, source="signup")
    release_pending_points()
    pay_due_referrals()


def load_actions(maria: Member, *, now) -> None:
    Member.objects.filter(pk=maria.pk).update(
        birthday=timezone.localdate().replace(year=1990, day=1)
    )
    award_birthday_bonuses()
    record_action(member_id=maria.pk, code="newsletter", occurred_at=now - timedelta(days=40))
    record_action(member_id=maria.pk, code="review", occurred_at=now - timedelta(days=3))


def load_import(staff: User, *, now) -> ImportJob:
    """An admin import with one bad row: its customers are imported but have no login yet;
    one has an internationalised address and a partly refunded order."""
    text = IMPORT_FILE.format(
        day1=(now - timedelta(days=200)).date().isoformat(),
        day2=(now - timedelta(days=20)).date().isoformat(),
    )
    job = ImportJob(channel="web", skip_invalid=True, created_by=staff)
    job.file.save("demo-purchases.csv", ContentFile(text.encode()), save=True)
    jobs.preview_job(job_id=job.pk)
    jobs.confirm_job(job_id=job.pk)
    return jobs.run_job(job_id=job.pk)


def load_integrations(staff: User) -> None:
    """An API key for a till and a (paused) webhook endpoint; the key itself is not kept."""
    ApiKey.issue(name="Demo till", scopes=["read", "earn", "redeem"], created_by=staff)
    WebhookEndpoint.objects.create(
        url="https://shop.example.com/hooks/loyalty",
        description="Demo shop (paused)",
        events=["tier.changed", "redemption.created"],
        active=False,
    )
    apply_expiry_policy_to_open_lots(user=staff)
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        send_expiry_reminders()  # recorded, never sent from a demo


def load_adjustments(maria: Member, staff: User) -> None:
    """A large adjustment waiting for a second staff user's approval (nothing credited)."""
    request_adjustment(
        member_id=maria.pk,
        points=25_000,
        description="Sorry about your lost parcel",
        note="demo: parcel lost by the carrier; above the large threshold, so it waits",
        user=staff,
    )


def load_erasure(staff: User) -> None:
    """A customer who asked to be forgotten: anonymised, their purchases kept."""
    customer = Member.objects.filter(email__startswith="customer").order_by("-pk").first()
    if customer is not None:
        privacy.erase_member(
            member_id=customer.pk, reason="demo: asked by email to be forgotten", user=staff
        )


def load_estimate(staff: User, *, now) -> None:
    """Finance's estimate, recorded before the history: every sale is allocated to its
    points with the estimate of its day, and an estimate is never back-dated."""
    reporting.record_redemption_rate(
        rate="0.85",
        effective_from=timezone.localdate(now - timedelta(days=541)).replace(day=1),
        explanation="demo: finance's estimate from a comparable program (15% breakage)",
        user=staff,
    )


# The jobs the demo runs itself while loading (release of pending points, expiry).
JOBS_RUN_BY_THE_DEMO = ["rewards.tasks.release_pending_points", "rewards.tasks.expire_points"]


def load_job_runs(*, now) -> None:
    """The dashboard's jobs card in both states: the jobs the demo ran are dated now; the
    nightly liability snapshot's schedule has not run (its snapshots were recorded below)."""
    PeriodicTask.objects.filter(task__in=JOBS_RUN_BY_THE_DEMO).update(last_run_at=now)


def load_reports(staff: User, days: int = 14) -> None:
    """The cost per point, a closed month and two weeks of liability snapshots."""
    reporting.set_cost_per_point(cost="0.004", user=staff)
    first = Purchase.objects.order_by("purchased_at").values_list("purchased_at", flat=True).first()
    start = timezone.localtime(first).date().replace(day=1) if first else date(2020, 1, 1)
    month_end = start.replace(day=28) + timedelta(days=4)
    month_end -= timedelta(days=month_end.day)
    reporting.close_period(start=start, end=month_end, user=staff)
    today = timezone.localdate()
    for offset in range(days, 0, -1):
        reporting.record_liability_snapshot(as_of=today - timedelta(days=offset))
