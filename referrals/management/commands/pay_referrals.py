"""pay_referrals: reward the referrals whose qualifying purchase's return window has passed."""

from loyalty.commands import BaseCommand
from referrals.rewarding import pay_due_referrals


class Command(BaseCommand):
    help = "Reward qualified referrals whose return window has passed (safe to re-run)."

    def handle(self, *args, **options):
        result = pay_due_referrals()
        self.stdout.write(f"rewarded {result['rewarded']} referrals ({result['points']} points)")
