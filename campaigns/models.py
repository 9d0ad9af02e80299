"""Segments of members, campaigns aimed at them with a control group, and lifecycle messages."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from loyalty.errors import ApplicationError
from members.models import Member
from rewards.models import Channel, EarnRule

from . import conditions


def default_definition() -> dict:
    return {"match": "all", "conditions": [{"kind": "consent", "channel": "email"}]}


class Segment(models.Model):
    """A set of members described by conditions, re-evaluated whenever it is used.

    ``definition`` is the tree of ``campaigns.conditions`` (AND/OR groups of conditions).
    """

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    definition = models.JSONField(default=default_definition)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        try:
            conditions.parse(self.definition)
        except ApplicationError as exc:
            raise ValidationError({"definition": exc.message}) from None


class SegmentSnapshot(models.Model):
    """A segment's members frozen at a moment, e.g. the audience of a campaign at launch."""

    segment = models.ForeignKey(Segment, on_delete=models.PROTECT, related_name="snapshots")
    taken_at = models.DateTimeField(default=timezone.now)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    definition = models.JSONField(help_text="The definition as it was when the list was taken.")
    member_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-taken_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.segment} on {self.taken_at:%Y-%m-%d %H:%M} ({self.member_count:,} members)"


class SnapshotMember(models.Model):
    snapshot = models.ForeignKey(SegmentSnapshot, on_delete=models.CASCADE, related_name="rows")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "member"], name="snapshot_member_uniq")
        ]

    def __str__(self) -> str:
        return f"member {self.member_id} in {self.snapshot_id}"


class Campaign(models.Model):
    """An offer (or only a message) to a segment, for a window, with a budget in points."""

    class Kind(models.TextChoices):
        MULTIPLIER = "multiplier", "Points multiplier on purchases"
        BONUS = "bonus", "Fixed bonus points on purchases"
        MESSAGE = "message", "A message only"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SCHEDULED = "scheduled", "Scheduled"
        RUNNING = "running", "Running"
        ENDED = "ended", "Ended"

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.MULTIPLIER)
    segment = models.ForeignKey(Segment, on_delete=models.PROTECT, related_name="campaigns")
    snapshot = models.ForeignKey(
        SegmentSnapshot,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The audience frozen at launch (or a list frozen beforehand).",
    )
    multiplier = models.DecimalField(max_digits=5, decimal_places=2, default=2)
    bonus_points = models.PositiveIntegerField(default=0)
    channel = models.ForeignKey(
        Channel,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty: every channel.",
    )
    min_order_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    budget_points = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="Stops awarding once this many points are awarded."
    )
    control_share = models.DecimalField(
        "held-out share",
        max_digits=4,
        decimal_places=3,
        default=0.1,
        help_text="Share of the audience held out as a control group (0.1 = 10%).",
    )
    seed = models.PositiveIntegerField(default=0, help_text="Seeds the control group's draw.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    earn_rule = models.OneToOneField(
        EarnRule,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The earn rule the launch created (restricted to the targeted members).",
    )
    launched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    launched_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="campaign_window_ordered",
                violation_error_message="The campaign must end after it starts.",
            ),
            models.CheckConstraint(
                condition=Q(control_share__gte=0) & Q(control_share__lte=0.5),
                name="campaign_control_share_range",
                violation_error_message="The held-out share must be from 0 to 0.5.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CampaignMember(models.Model):
    """A member of a campaign's audience, and whether the draw held them out (control)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="audience")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    held_out = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "member"], name="campaign_member_uniq")
        ]
        indexes = [models.Index(fields=["campaign", "held_out"])]

    def __str__(self) -> str:
        return f"member {self.member_id} ({'held out' if self.held_out else 'targeted'})"


class MessageKind(models.TextChoices):
    WELCOME = "welcome", "Welcome"
    POINTS_EARNED = "points_earned", "Points earned (daily digest)"
    REWARD_IN_REACH = "reward_in_reach", "Reward within reach"
    TIER_REACHED = "tier_reached", "Tier reached"
    BIRTHDAY = "birthday", "Birthday"
    POINTS_EXPIRING = "points_expiring", "Points expiring"
    WIN_BACK = "win_back", "Win-back"
    CAMPAIGN = "campaign", "Campaign message"


class MessageTemplate(models.Model):
    """The subject and text of a kind of message in one language (Django template syntax)."""

    kind = models.CharField(max_length=20, choices=MessageKind.choices)
    language = models.CharField(max_length=10, default="en", help_text="e.g. en, fr, de.")
    subject = models.CharField(max_length=200)
    body = models.TextField(help_text="Plain text. Variables: {{ member.first_name }}, ...")
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "language"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "language"], name="message_template_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.language})"


class MessageSend(models.Model):
    """One message to one member for one event: claimed before sending, so never sent twice."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        CLAIMED = "claimed", "Claimed by a worker (if old: the worker died; never resent)"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (the mail server refused it three times)"
        SKIPPED = "skipped", "Skipped (consent withdrawn before sending)"

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=MessageKind.choices)
    event_key = models.CharField(max_length=100, help_text="The event: a date, a tier, a lot...")
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="sends"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    context = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=255, blank=True)
    provider_id = models.CharField(max_length=200, blank=True)
    queued_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    clicked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-queued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "kind", "event_key"], name="message_send_once"
            )
        ]
        indexes = [
            models.Index(fields=["queued_at"], condition=Q(status="queued"), name="send_queued_idx")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to member {self.member_id} ({self.event_key})"
