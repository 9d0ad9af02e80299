"""Manual adjustments by staff: a reason is required, the staff user is recorded."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from loyalty.errors import ApplicationError
from members.models import Member
from rewards.adjustments.services import adjust_points
from rewards.models import LedgerEntry, PointLot
from tests.factories import UserFactory
from tests.helpers import assert_ledger_consistent, balance


def test_an_adjustment_needs_a_reason(member):
    with pytest.raises(ApplicationError, match="reason"):
        adjust_points(member_id=member.pk, points=50, reason="  ")
    assert LedgerEntry.objects.count() == 0


def test_a_positive_adjustment_creates_an_expiring_lot_and_records_the_staff_user(member):
    staff = UserFactory(is_staff=True)
    entry = adjust_points(member_id=member.pk, points=50, reason="goodwill", user=staff)
    assert (entry.kind, entry.points, entry.created_by, entry.reason) == (
        "adjust",
        50,
        staff,
        "goodwill",
    )
    assert PointLot.objects.get(member=member).expires_at is not None
    assert balance(member) == 50


def test_a_negative_adjustment_beyond_the_balance_is_refused(member):
    adjust_points(member_id=member.pk, points=30, reason="goodwill")
    with pytest.raises(ApplicationError, match="30 spendable"):
        adjust_points(member_id=member.pk, points=-31, reason="correction")
    assert balance(member) == 30


def test_a_negative_adjustment_takes_points_fifo(member):
    adjust_points(member_id=member.pk, points=30, reason="a")
    adjust_points(member_id=member.pk, points=30, reason="b")
    adjust_points(member_id=member.pk, points=-40, reason="correction")
    assert sorted(PointLot.objects.values_list("remaining", flat=True)) == [0, 20]
    assert_ledger_consistent()


def test_a_closed_member_cannot_be_adjusted(member):
    Member.objects.filter(pk=member.pk).update(status="closed")
    with pytest.raises(ApplicationError, match="closed"):
        adjust_points(member_id=member.pk, points=10, reason="x")


def test_ledger_entries_cannot_be_edited_or_deleted(member):
    entry = adjust_points(member_id=member.pk, points=10, reason="x")
    entry.points = 1000
    with pytest.raises(ValueError, match="append-only"):
        entry.save()
    with pytest.raises(ValueError, match="append-only"):
        entry.delete()


def test_verify_ledger_passes_on_a_consistent_ledger(member, capsys):
    adjust_points(member_id=member.pk, points=10, reason="x")
    call_command("verify_ledger")
    assert "ledger OK" in capsys.readouterr().out


def test_verify_ledger_names_the_member_whose_balance_drifted(member, other_member, capsys):
    adjust_points(member_id=member.pk, points=10, reason="x")
    adjust_points(member_id=other_member.pk, points=10, reason="x")
    Member.objects.filter(pk=member.pk).update(
        points_balance=999
    )  # an edit behind the ledger's back
    with pytest.raises(CommandError, match="1 member"):
        call_command("verify_ledger")
    out = capsys.readouterr().out
    assert member.email in out and other_member.email not in out


def test_verify_ledger_catches_a_lot_edited_without_a_movement(member, capsys):
    adjust_points(member_id=member.pk, points=10, reason="x")
    PointLot.objects.update(remaining=5)
    Member.objects.filter(pk=member.pk).update(points_balance=5)
    with pytest.raises(CommandError):
        call_command("verify_ledger")
    assert "lots off their movements" in capsys.readouterr().out
