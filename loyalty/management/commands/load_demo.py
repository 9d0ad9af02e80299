"""load_demo: the demo program with its history, and a login in each interesting state."""

from django.test.utils import override_settings

from loyalty import demo
from loyalty.commands import BaseCommand, CommandError
from loyalty.demo.activity import IMPORTED_EMAIL
from loyalty.demo.personas import LOGINS, STAFF, VIEWER


class Command(BaseCommand):
    help = (
        "Load demo data (a program, channels, earn rules, rewards, tiers, members with 18 "
        "months of history, a member in each state a page shows) and print the logins. "
        "Does nothing if already loaded."
    )

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=40, help="random customers (default 40)")
        parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")

    def handle(self, *args, **options):
        if not 1 <= options["members"] <= 10_000:
            raise CommandError("--members must be between 1 and 10000")
        if demo.is_loaded():
            self.stdout.write("Demo data is already loaded.")
        else:
            # The demo's members are made up: their emails (codes, tier changes, reminders)
            # stay in memory instead of filling the console or reaching a mail server.
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
                demo.load(members=options["members"], seed=options["seed"])
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write("\nAdmin: http://127.0.0.1:8000/admin/   Portal: http://127.0.0.1:8000/")
        width = max(len(login.email) for login in LOGINS)
        for login in LOGINS:
            where = "admin " if login in (STAFF, VIEWER) else "portal"
            self.stdout.write(
                f"  {where}  {login.email:<{width}}  {login.password:<20}  {login.shows}"
            )
        self.stdout.write(
            f"  To claim an imported membership: sign up at /accounts/signup/ as {IMPORTED_EMAIL}"
        )
