"""release_pending: make spendable the points whose return window has passed."""

from loyalty.commands import BaseCommand

from ...expiry.release import release_pending_points


class Command(BaseCommand):
    help = "Release pending purchase points whose return window has passed (safe to re-run)."

    def handle(self, *args, **options):
        result = release_pending_points()
        self.stdout.write(f"released {result['points']} points for {result['members']} members")
