"""The admin home is a dashboard: the reports' own figures, each card for those who may see it."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from loyalty.office import dashboard
from reporting import reports
from reporting import services as reporting
from reporting.reports import Period
from rewards.adjustments.services import adjust_points
from rewards.models import ImportJob, WebhookDelivery, WebhookEndpoint
from rewards.purchases.recording import record_purchase
from rewards.redemptions.services import redeem_reward
from tests.factories import MemberFactory, RewardFactory

from .conftest import staff_with

pytestmark = pytest.mark.usefixtures("web")
CARDS = ["members", "points", "liability", "rewards", "tiers", "referrals", "health"]


@pytest.fixture
def activity(program, member):
    """A purchase and a redemption today, by one member; another member who did nothing."""
    MemberFactory()
    record_purchase(channel="web", order_id="D1", amount="250.00", member_id=member.pk)
    coffee = RewardFactory(name="Free coffee", points_cost=100)
    redeem_reward(member_id=member.pk, reward_id=coffee.pk)
    return member


def cards(content: str) -> list[str]:
    return [card for card in CARDS if f'data-testid="card-{card}"' in content]


def test_the_admin_home_is_the_dashboard_with_every_card_for_a_superuser(
    client, superuser, activity
):
    client.force_login(superuser)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert cards(response.content.decode()) == CARDS
    assert response.context["title"] == "Dashboard"


def test_the_figures_are_the_reports_figures(superuser, activity):
    board = dashboard.build(superuser)
    today = timezone.localdate()
    month = Period(today.replace(day=1), today)
    kpis = {row["kpi"]: row["value"] for row in reports.kpis(month).rows}
    (flows,) = reports.issued_redeemed_expired(month, "period")
    liability = reports.liability_figures(today)
    assert (board.members.total, board.members.new_this_month) == (2, 2)
    assert board.members.active == kpis["Active members (earned or redeemed)"] == 1
    this_month = board.months[0]
    assert this_month.issued == kpis["Points issued"] == flows["issued"] == 250
    assert this_month.redeemed == kpis["Points redeemed (net of cancellations)"] == 100
    assert this_month.expired == flows["expired"]
    assert this_month.redemption_rate == kpis["Redemption rate % (redeemed / issued)"]
    assert board.outstanding.points == liability.outstanding == 150
    assert board.outstanding.face_value == liability.face_value
    assert board.outstanding.snapshot is None  # no nightly snapshot yet
    assert [(r.name, r.redemptions, r.points) for r in board.top_rewards] == [
        ("Free coffee", 1, 100)
    ]
    assert sum(row.members for row in board.tiers) == 2


def test_points_added_by_staff_count_as_issued_as_in_the_kpi_report(superuser, activity):
    adjust_points(member_id=activity.pk, points=30, reason="goodwill", user=superuser)
    today = timezone.localdate()
    kpis = {
        row["kpi"]: row["value"] for row in reports.kpis(Period(today.replace(day=1), today)).rows
    }
    this_month = dashboard.build(superuser).months[0]
    assert this_month.issued == kpis["Points issued"] == 280
    assert this_month.redemption_rate == kpis["Redemption rate % (redeemed / issued)"]


def test_a_staff_user_without_permissions_gets_the_home_page_without_figures(client, nobody):
    client.force_login(nobody)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    content = response.content.decode()
    assert cards(content) == []
    assert 'data-testid="no-cards"' in content
    assert not [q for q in queries.captured_queries if "rewards_ledgerentry" in q["sql"]]


def test_staff_see_only_the_cards_their_permissions_allow(client, activity):
    user = staff_with("desk@example.com", "members.view_member", "rewards.view_redemption")
    client.force_login(user)
    content = client.get(reverse("admin:index")).content.decode()
    assert cards(content) == ["members", "rewards"]
    assert "Outstanding points" not in content


def test_a_view_only_user_sees_every_figure_and_no_system_link(client, viewer, activity):
    client.force_login(viewer)
    content = client.get(reverse("admin:index")).content.decode()
    assert cards(content) == CARDS
    assert "Idempotency records" not in content


def test_the_liability_is_the_latest_nightly_snapshots_with_its_day(client, superuser, activity):
    yesterday = timezone.localdate() - timedelta(days=1)
    stored = reporting.record_liability_snapshot(as_of=yesterday).snapshot
    board = dashboard.build(superuser)
    assert board.outstanding.snapshot == stored
    assert board.outstanding.expected_rate == stored.redemption_rate * 100
    client.force_login(superuser)
    content = client.get(reverse("admin:index")).content.decode()
    assert f"Contract liability (IFRS 15), {yesterday:%-d %b}" in content


def test_the_jobs_card_says_which_job_is_late_and_links_to_its_schedule(superuser, program):
    every_hour = CrontabSchedule.objects.create(minute="5", hour="*")
    release = PeriodicTask.objects.get_or_create(
        task="rewards.tasks.release_pending_points",
        defaults={"name": "release", "crontab": every_hour},
    )[0]
    release.last_run_at = timezone.now() - timedelta(minutes=30)
    release.save()
    jobs = {job.task: job for job in dashboard.build(superuser).jobs}
    assert jobs["rewards.tasks.release_pending_points"].late is False
    assert jobs["rewards.tasks.release_pending_points"].periodic_task_id == release.pk
    release.last_run_at = timezone.now() - timedelta(hours=5)
    release.save()
    jobs = {job.task: job for job in dashboard.build(superuser).jobs}
    assert jobs["rewards.tasks.release_pending_points"].late is True


def test_failed_imports_and_webhook_deliveries_are_counted_with_a_link(
    client, superuser, program, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    ImportJob.objects.create(file="imports/x.csv", status=ImportJob.Status.FAILED)
    endpoint = WebhookEndpoint.objects.create(url="https://shop.example.com/hook")
    WebhookDelivery.objects.create(
        endpoint=endpoint, event="tier.changed", event_id="e1", payload={}
    )
    client.force_login(superuser)
    content = client.get(reverse("admin:index")).content.decode()
    assert "1 failed or rejected in 30 days" in content
    assert reverse("admin:rewards_importjob_changelist") + "?status__exact=failed" in content
    assert "1 failed delivery in 7 days" in content
    assert reverse("admin:rewards_webhookdelivery_changelist") + "?succeeded__exact=0" in content


def test_the_dashboard_reads_a_bounded_number_of_queries_whatever_the_members(
    client, superuser, activity
):
    client.force_login(superuser)
    client.get(reverse("admin:index"))  # the settings' cache warms up
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("admin:index"))
    for n in range(20):
        member = MemberFactory()
        record_purchase(channel="web", order_id=f"M{n}", amount="10.00", member_id=member.pk)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("admin:index"))
    assert len(many.captured_queries) == len(few.captured_queries)


def test_every_link_of_the_dashboard_opens(client, superuser, activity):
    client.force_login(superuser)
    for name, url in dashboard.build(superuser).links.items():
        response = client.get(url)
        assert response.status_code == 200, (name, url, response.status_code)
        assert "?e=1" not in response.get("Location", ""), name
