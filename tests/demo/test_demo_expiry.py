"""The demo data includes expired points, and its ledger is consistent."""

from django.core.management import call_command

from rewards.models import LedgerEntry
from tests.helpers import assert_ledger_consistent


def test_the_demo_data_shows_expired_points_and_a_consistent_ledger(db, capsys):
    call_command("load_demo", "--members", "15")
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.EXPIRE).exists()
    assert_ledger_consistent()
    assert "Demo data loaded" in capsys.readouterr().out


def test_it_validates_ownership_each_expire_entry_matches_its_own_members_lots(db):
    call_command("load_demo", "--members", "15")
    for entry in LedgerEntry.objects.filter(kind=LedgerEntry.Kind.EXPIRE):
        owners = set(entry.movements.values_list("lot__member_id", flat=True))
        assert owners == {entry.member_id}
