"""Small helpers for the tests: balances from the database and ledger checks."""

from members.models import Member
from rewards.selectors import ledger_drift


def balance(member) -> int:
    return Member.objects.get(pk=member.pk).points_balance


def pending(member) -> int:
    return Member.objects.get(pk=member.pk).pending_points


def assert_ledger_consistent():
    drift = ledger_drift()
    assert drift == [], drift
