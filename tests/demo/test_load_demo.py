"""load_demo: every state a page must show, the logins printed, and a second run changes nothing."""

from django.core.management import call_command

from loyalty.demo import personas
from loyalty.office import dashboard
from members.models import Member, Tier, User
from referrals.models import Referral
from rewards.models import ImportJob, LedgerEntry, PointLot
from tests.helpers import assert_ledger_consistent


def test_the_demo_has_a_member_in_every_state_a_page_shows(demo):
    members = Member.objects.all()
    tiers_held = set(members.values_list("tier__name", flat=True))
    assert tiers_held == {*Tier.objects.values_list("name", flat=True), None}  # each, and none
    assert members.filter(pending_points__gt=0).exists()
    assert members.filter(points_balance__lt=0).exists()  # a debt
    assert members.filter(status=Member.Status.SUSPENDED).exists()
    assert members.filter(status=Member.Status.CLOSED).exists()
    assert members.filter(purchases__isnull=True, status=Member.Status.ACTIVE).exists()
    assert Referral.objects.filter(status=Referral.Status.AWAITING_APPROVAL).exists()
    imported = Member.objects.get(email="imported@example.com")
    assert imported.user is None and imported.purchases.exists()  # not claimed yet
    assert ImportJob.objects.get().rejected_file  # its bad row can be downloaded
    josé = Member.objects.with_email("JOSÉ@xn--exmple-cua.de").get()  # internationalised
    assert josé.purchases.get().status == "partially_refunded"  # earned on what was kept
    assert ImportJob.objects.get().summary["partially_refunded"] == 1
    assert PointLot.objects.filter(member__email=personas.SILVER.email, expires_at__isnull=False)
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.EXPIRE).exists()
    assert_ledger_consistent()


def test_load_demo_prints_the_staff_login_and_a_member_login_per_state(db, capsys, settings):
    call_command("load_demo", "--members", "5")
    out = capsys.readouterr().out
    for login in personas.LOGINS:
        assert f"{login.email}" in out and login.password in out and login.shows in out
    assert "imported@example.com" in out


def test_a_second_load_demo_changes_nothing_and_prints_the_logins_again(demo, capsys):
    entries = LedgerEntry.objects.count()
    call_command("load_demo")
    out = capsys.readouterr().out
    assert "already loaded" in out and personas.STAFF.email in out
    assert LedgerEntry.objects.count() == entries


def test_every_demo_login_signs_in_except_the_closed_membership(client, demo):
    for login in personas.LOGINS:
        assert client.login(email=login.email, password=login.password) == (
            login != personas.CLOSED
        ), login.email
        client.logout()


def test_the_demo_dashboard_shows_a_job_that_ran_and_one_that_is_late(demo):
    staff = User.objects.get(email=personas.STAFF.email)
    board = dashboard.build(staff)
    late = {job.task: job.late for job in board.jobs}
    assert late["rewards.tasks.release_pending_points"] is False  # the demo ran it
    assert late["reporting.tasks.recalc_liability"] is True  # its schedule never ran
    assert board.funnel.awaiting_approval >= 1
    assert board.health.webhook_endpoints_paused == 1
