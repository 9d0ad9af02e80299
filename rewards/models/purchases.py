"""Purchases, their lines and their refunds."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from members.models import Member

from .base import MONEY
from .program import Channel


class Purchase(models.Model):
    """A customer's order, keyed by channel + order id.

    ``amount`` is what the customer paid in money: after every discount and after the
    part paid with points or a reward; it includes ``shipping_amount`` and ``tax_amount``.
    """

    class Status(models.TextChoices):
        COMPLETED = "completed", "Completed"
        PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"
        REFUNDED = "refunded", "Refunded"

    # No index of its own: the unique (channel, order_id) key serves channel lookups.
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, db_index=False)
    order_id = models.CharField("order id", max_length=100)
    member = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.PROTECT, related_name="purchases"
    )
    purchased_at = models.DateTimeField("purchase date")
    currency = models.CharField(max_length=3)
    amount = models.DecimalField(**MONEY)
    shipping_amount = models.DecimalField("shipping", **MONEY, default=Decimal("0"))
    tax_amount = models.DecimalField("tax", **MONEY, default=Decimal("0"))
    eligible_amount = models.DecimalField("amount that earns", **MONEY, default=Decimal("0"))
    refunded_amount = models.DecimalField("refunded", **MONEY, default=Decimal("0"))
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.COMPLETED)
    points_earned = models.IntegerField(default=0)
    earn_breakdown = models.JSONField(default=list, blank=True)
    # IFRS 15: the part of the amount allocated to the points, fixed when the sale is
    # recorded (15.88) with the estimate and point value it used; never recomputed.
    allocated_to_points = models.DecimalField(
        **MONEY, default=Decimal("0"), db_default=Decimal("0")
    )
    allocation_rate = models.DecimalField(
        max_digits=7,
        decimal_places=6,
        null=True,
        blank=True,
        help_text="The expected redemption rate the allocation used (1: no estimate recorded).",
    )
    allocation_point_value = models.DecimalField(
        max_digits=12, decimal_places=4, null=True, blank=True
    )
    allocation_estimate = models.ForeignKey(
        "RedemptionRateEstimate",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-purchased_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "order_id"], name="purchase_channel_order_uniq"
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="purchase_amount_gt_0",
                violation_error_message="The amount must be more than zero.",
            ),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0) & Q(refunded_amount__lte=F("amount")),
                name="purchase_refund_within_amount",
                violation_error_message="The refunded amount cannot be more than the amount paid.",
            ),
            models.CheckConstraint(
                condition=Q(points_earned__gte=0),
                name="purchase_points_gte_0",
                violation_error_message="The points earned cannot be negative.",
            ),
        ]
        indexes = [models.Index(fields=["purchased_at"])]

    def __str__(self) -> str:
        who = self.member.display_name if self.member_id else "no member"
        return f"Purchase {self.number} — {who}, {self.amount:,.2f} {self.currency}"

    @property
    def number(self) -> str:
        """The order id as staff say it: "#1001" (a shop's own "#" is not doubled)."""
        return f"#{self.order_id.lstrip('#')}"


class PurchaseLine(models.Model):
    """One line of a purchase, for rules on a SKU or category and items that do not earn."""

    purchase = models.ForeignKey(Purchase, on_delete=models.CASCADE, related_name="lines")
    sku = models.CharField("SKU", max_length=100, blank=True)
    category = models.CharField(max_length=100, blank=True)
    quantity = models.PositiveIntegerField(default=1)
    amount = models.DecimalField(**MONEY, help_text="What the line cost, after its own discounts.")
    is_gift_card = models.BooleanField(default=False)
    is_reward_item = models.BooleanField(
        default=False, help_text="An item given as a reward: never earns points."
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="purchaseline_amount_gte_0",
                violation_error_message="A line's amount must be zero or more.",
            ),
        ]

    def __str__(self) -> str:
        what = " ".join(
            part for part in (self.sku, f"({self.category})" if self.category else "") if part
        )
        return f"Line {what or 'without SKU'}: {self.amount:,.2f}"


class Refund(models.Model):
    """A refund or return of part or all of a purchase, and the points it took back."""

    purchase = models.ForeignKey(Purchase, on_delete=models.PROTECT, related_name="refunds")
    refund_id = models.CharField(max_length=100)
    amount = models.DecimalField(**MONEY)
    points_reversed = models.IntegerField(default=0)
    shortfall = models.IntegerField(
        default=0, help_text="Points that should have been reversed but were already spent."
    )
    allocated_to_points = models.DecimalField(
        **MONEY,
        default=Decimal("0"),
        db_default=Decimal("0"),
        help_text="The part of the purchase's allocation to points this refund takes back.",
    )
    reason = models.CharField(max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["purchase", "refund_id"], name="refund_purchase_id_uniq"
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="refund_amount_gt_0",
                violation_error_message="The refund amount must be more than zero.",
            ),
        ]

    def __str__(self) -> str:
        return f"Refund {self.refund_id} of {self.amount:,.2f} on purchase {self.purchase.number}"
