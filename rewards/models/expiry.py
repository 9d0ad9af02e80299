"""Expiry reminders sent to members and the history of expiry policy changes."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from members.models import Member

from .program import Program


class ExpiryReminder(models.Model):
    """A reminder email sent to a member about points expiring on a date, for one window.

    The unique key (member, expiry date, window) is what makes a reminder go out once,
    however often or concurrently the reminder job runs.
    """

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="expiry_reminders")
    expires_on = models.DateField()
    window_days = models.PositiveSmallIntegerField()
    points = models.BigIntegerField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "expires_on", "window_days"], name="expiryreminder_once"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"Reminder to {self.member.display_name}: {self.points:,} points expire on "
            f"{self.expires_on} (sent {self.window_days} days before)"
        )


class ExpiryPolicyChange(models.Model):
    """Staff applied the program's (new) expiry policy to the lots that were already open.

    No points change here: only the lots' expiry dates; the expiry job does the rest.
    """

    policy = models.CharField(max_length=12, choices=Program.Expiry.choices)
    months = models.PositiveSmallIntegerField()
    lots_updated = models.PositiveIntegerField(default=0)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    applied_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-applied_at", "-pk"]

    def __str__(self) -> str:
        return (
            f"{self.get_policy_display()} ({self.months} months) applied {self.applied_at:%Y-%m-%d}"
        )
