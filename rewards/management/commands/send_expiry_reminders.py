"""send_expiry_reminders: email members whose points expire soon (once per reminder window)."""

from loyalty.commands import BaseCommand

from ...expiry.reminders import send_expiry_reminders


class Command(BaseCommand):
    help = (
        "Email members whose points expire within one of the program's reminder windows "
        "(e.g. 30 and 7 days), with the amount and the date. Each reminder goes out once."
    )

    def handle(self, *args, **options):
        result = send_expiry_reminders()
        self.stdout.write(
            f"sent {result['emails']} expiry reminder(s)"
            + (f", {result['failed']} failed (retried next run)" if result["failed"] else "")
        )
