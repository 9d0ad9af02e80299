"""verify_ledger: prove every member's cached balance equals the ledger and the lots."""

from loyalty.commands import BaseCommand, CommandError
from rewards.selectors import ledger_drift

from ._args import in_range


class Command(BaseCommand):
    help = (
        "Check that, for every member, the cached balance, the sum of the ledger and the sum "
        "of the lots' remaining points agree (spendable and pending), and that every lot's "
        "remaining points equal the sum of its movements. Exits 1 and names the members "
        "where they do not."
    )

    def add_arguments(self, parser):
        parser.add_argument("--member", type=int, action="append", help="only this member id")

    def handle(self, *args, **options):
        for member_id in options["member"] or []:
            in_range(member_id, option="--member", minimum=1, maximum=10**12)
        drift = ledger_drift(options["member"])
        if not drift:
            self.stdout.write(self.style.SUCCESS("ledger OK: balances, ledger and lots agree"))
            return
        for row in drift:
            self.stdout.write(
                f"{row['email']} (member {row['member_id']}): "
                f"balance cached={row['cached_balance']} ledger={row['ledger_balance']} "
                f"lots={row['lots_balance']}; pending cached={row['cached_pending']} "
                f"ledger={row['ledger_pending']} lots={row['lots_pending']}"
                + (f"; lots off their movements: {row['bad_lots']}" if row["bad_lots"] else "")
            )
        raise CommandError(f"ledger drift found for {len(drift)} member(s)")
