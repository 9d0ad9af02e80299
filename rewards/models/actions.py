"""Action rules (points for doing something) and the actions members did."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from members.models import Member

from ..validation import Within
from .ledger import LedgerEntry


class ActionRule(models.Model):
    """Points for something other than a purchase: sign-up, birthday, review, share, custom code.

    ``limit`` and ``limit_count`` bound how often one member earns it (e.g. 3 per week);
    an action over the limit is refused and earns nothing.
    """

    class Kind(models.TextChoices):
        SIGNUP = "signup", "Sign-up bonus"
        BIRTHDAY = "birthday", "Birthday bonus"
        REVIEW = "review", "Product review"
        SHARE = "share", "Social share"
        NEWSLETTER = "newsletter", "Newsletter subscription"
        CUSTOM = "custom", "Custom action"

    class Limit(models.TextChoices):
        ONCE = "once", "Once ever"
        DAY = "day", "Per day"
        WEEK = "week", "Per week"
        MONTH = "month", "Per month"
        YEAR = "year", "Per year"
        UNLIMITED = "unlimited", "No limit"

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.CUSTOM)
    code = models.SlugField(
        max_length=50, unique=True, help_text="What the merchant's systems send, e.g. 'review'."
    )
    points = models.PositiveIntegerField(validators=[Within("points", "points")])
    limit = models.CharField(max_length=10, choices=Limit.choices, default=Limit.ONCE)
    limit_count = models.PositiveSmallIntegerField(
        "times per period",
        default=1,
        validators=[Within("count", "times per period", minimum=1, maximum=1000)],
        help_text="How many times per period, 1 to 1,000 (ignored for once ever / no limit).",
    )
    active = models.BooleanField(default=True)
    starts_at = models.DateTimeField(
        "starts", null=True, blank=True, validators=[Within("moment", "start", allow_future=True)]
    )
    ends_at = models.DateTimeField(
        "ends", null=True, blank=True, validators=[Within("moment", "end", allow_future=True)]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(points__gt=0),
                name="actionrule_points_gt_0",
                violation_error_message="An action must give more than zero points.",
            ),
            models.CheckConstraint(
                condition=Q(limit_count__gt=0),
                name="actionrule_count_gt_0",
                violation_error_message="The times per period must be at least 1.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self):
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "The rule must end after it starts."})


class MemberAction(models.Model):
    """One rewarded action of a member (the ledger entry holds the points)."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="actions")
    rule = models.ForeignKey(ActionRule, on_delete=models.PROTECT, related_name="records")
    entry = models.OneToOneField(LedgerEntry, on_delete=models.PROTECT, related_name="action")
    occurred_at = models.DateTimeField()
    reference = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        indexes = [models.Index(fields=["member", "rule", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.rule.name} for {self.member.display_name} on {self.occurred_at:%Y-%m-%d}"
