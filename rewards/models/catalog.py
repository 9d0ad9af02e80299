"""The rewards catalog and members' redemptions."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from members.models import Member, Tier

from ..validation import Within
from .base import MONEY


class Reward(models.Model):
    """An item of the rewards catalog that members buy with points."""

    class Kind(models.TextChoices):
        FIXED_DISCOUNT = "fixed_discount", "Fixed discount"
        PERCENT_DISCOUNT = "percent_discount", "Percentage discount"
        FREE_ITEM = "free_item", "Free item"
        FREE_SHIPPING = "free_shipping", "Free shipping"
        EXPERIENCE = "experience", "Experience"
        DONATION = "donation", "Donation to a cause"

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    points_cost = models.PositiveIntegerField(validators=[Within("points", "points cost")])
    discount_amount = models.DecimalField(
        "discount", **MONEY, null=True, blank=True, validators=[Within("amount", "discount")]
    )
    discount_percent = models.DecimalField(
        "discount percentage",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[Within("percent", "discount percentage")],
    )
    sku = models.CharField("SKU of the free item", max_length=100, blank=True)
    cause = models.CharField("cause (donations)", max_length=200, blank=True)
    stock = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[Within("stock", "stock")],
        help_text="Empty for unlimited; at most 10,000,000.",
    )
    valid_from = models.DateTimeField(
        "valid from",
        null=True,
        blank=True,
        validators=[Within("moment", "start of validity", allow_future=True)],
    )
    valid_until = models.DateTimeField(
        "valid until",
        null=True,
        blank=True,
        validators=[Within("moment", "end of validity", allow_future=True)],
    )
    active = models.BooleanField(default=True)
    tiers = models.ManyToManyField(
        Tier,
        blank=True,
        related_name="reserved_rewards",
        help_text="Reserved to members of these tiers (none: every member). Others see it "
        "locked, with the tier that unlocks it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["points_cost", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(points_cost__gt=0),
                name="reward_cost_gt_0",
                violation_error_message="The points cost must be more than zero.",
            ),
            models.CheckConstraint(
                condition=Q(stock__isnull=True) | Q(stock__gte=0),
                name="reward_stock_gte_0",
                violation_error_message="The stock cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.points_cost} points)"

    def clean(self):
        errors = {}
        if self.kind == self.Kind.FIXED_DISCOUNT and not self.discount_amount:
            errors["discount_amount"] = "A fixed discount needs an amount."
        if self.kind == self.Kind.PERCENT_DISCOUNT and not (
            self.discount_percent and 0 < self.discount_percent <= 100
        ):
            errors["discount_percent"] = "A percentage discount needs a percentage from 0 to 100."
        if self.kind == self.Kind.DONATION and not self.cause:
            errors["cause"] = "A donation needs the cause it goes to."
        if self.valid_from and self.valid_until and self.valid_until <= self.valid_from:
            errors["valid_until"] = "The reward must end after it starts."
        if errors:
            raise ValidationError(errors)


class Redemption(models.Model):
    """Points spent on a reward (or on a discount at checkout), with a one-time code."""

    class Status(models.TextChoices):
        ISSUED = "issued", "Issued (code not used yet)"
        USED = "used", "Used"
        CANCELLED = "cancelled", "Cancelled (points given back)"

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="redemptions")
    reward = models.ForeignKey(Reward, null=True, blank=True, on_delete=models.PROTECT)
    points = models.PositiveIntegerField()
    value = models.DecimalField(**MONEY, help_text="Money value of the points spent.")
    currency = models.CharField(max_length=3)
    cause = models.CharField(max_length=200, blank=True)
    code = models.CharField(max_length=20, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ISSUED)
    idempotency_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(points__gt=0),
                name="redemption_points_gt_0",
                violation_error_message="A redemption must spend more than zero points.",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        what = self.reward.name if self.reward_id else "points at checkout"
        status = self.get_status_display().split(" (")[0].lower()
        return f"Redemption {self.code} — {what}, {self.points:,} points ({status})"
