"""A large adjustment waiting for a second staff user's approval (``rewards.adjustments.services``).

An adjustment above the program's large threshold is a request first: nothing is
credited or taken until another staff user, with the permission to approve, approves it;
approval posts the ledger entry (once, whatever happens to the request afterwards).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from members.models import Member

from ..validation import Within


class AdjustmentRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="adjustment_requests")
    points = models.IntegerField(
        validators=[Within("points", "number of points", allow_negative=True)],
        help_text="Positive to add points, negative to remove them.",
    )
    description = models.CharField(
        "description (the member sees it)", max_length=255, default="Points adjustment"
    )
    note = models.TextField("internal note (staff only)", help_text="Never shown to the member.")
    effective_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When it happened, if not when it is approved (the entry is dated then).",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The staff user who approved or rejected it.",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.CharField(max_length=255, blank=True)
    entry = models.OneToOneField(
        "rewards.LedgerEntry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="adjustment_request",
        help_text="The ledger entry posted on approval.",
    )

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = "large adjustment"
        permissions = [
            ("approve_adjustmentrequest", "Can approve or reject another user's large adjustment")
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(points=0),
                name="adjustmentrequest_points_not_0",
                violation_error_message="An adjustment cannot be of zero points.",
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(decided_by__isnull=False),
                name="adjustmentrequest_decided_by",
                violation_error_message="An approved or rejected adjustment names who decided.",
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(entry__isnull=False),
                name="adjustmentrequest_approved_entry",
                violation_error_message="An approved adjustment has its ledger entry.",
            ),
        ]
        indexes = [models.Index(fields=["status", "requested_at"])]

    def __str__(self) -> str:
        status = self.get_status_display().lower()
        return f"Adjustment of {self.points:+,} points for {self.member.display_name} ({status})"

    @property
    def approved_by(self):
        return self.decided_by if self.status == self.Status.APPROVED else None

    @property
    def rejected_by(self):
        return self.decided_by if self.status == self.Status.REJECTED else None
