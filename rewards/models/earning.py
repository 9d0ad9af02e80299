"""Earn rules (promotions on top of the base rate) and the settings version token."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from members.models import Member, Tier

from ..validation import Within
from .base import MONEY
from .program import Channel


class EarnRule(models.Model):
    """A promotion on top of the base rate: multiply the points, or add a fixed bonus.

    Conditions combine (all must hold): a date window, days of the week, a channel,
    a minimum order amount, a product category or SKU. A multiplier with a category
    or SKU applies only to the matching lines' eligible amount.
    """

    class Kind(models.TextChoices):
        MULTIPLIER = "multiplier", "Multiply the base points"
        BONUS = "bonus", "Add fixed bonus points"

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.MULTIPLIER)
    multiplier = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=Decimal("2.00"),
        validators=[Within("multiplier", "multiplier")],
        help_text="e.g. 2 for double points (1 to 100)",
    )
    bonus_points = models.PositiveIntegerField(
        default=0, validators=[Within("points", "bonus points", allow_zero=True)]
    )
    active = models.BooleanField(default=True)
    starts_at = models.DateTimeField(
        "starts", null=True, blank=True, validators=[Within("moment", "start", allow_future=True)]
    )
    ends_at = models.DateTimeField(
        "ends", null=True, blank=True, validators=[Within("moment", "end", allow_future=True)]
    )
    weekdays = models.CharField(
        max_length=20,
        blank=True,
        help_text="ISO weekdays the rule applies on, comma-separated (1=Monday ... 7=Sunday); "
        "empty for every day. e.g. 6,7 for weekends.",
    )
    channel = models.ForeignKey(Channel, null=True, blank=True, on_delete=models.PROTECT)
    min_order_amount = models.DecimalField(
        "minimum order",
        **MONEY,
        null=True,
        blank=True,
        validators=[Within("amount", "minimum order", allow_zero=True)],
    )
    category = models.CharField(max_length=100, blank=True)
    sku = models.CharField("SKU", max_length=100, blank=True)
    # The extension point of campaigns (rewards/earning/audiences.py): a rule for listed
    # members only, with a budget of points it stops awarding at.
    audience_only = models.BooleanField(
        "only its audience",
        default=False,
        help_text="Applies only to the members listed in its audience (a campaign's targets).",
    )
    budget_points = models.PositiveBigIntegerField(
        "budget in points",
        null=True,
        blank=True,
        help_text="Stops awarding once it has awarded this many points (empty: no budget).",
    )
    tiers = models.ManyToManyField(
        Tier,
        blank=True,
        related_name="earn_rules",
        help_text="Only for members of these tiers (none: every member).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(multiplier__gte=1),
                name="earnrule_multiplier_gte_1",
                violation_error_message="The multiplier must be at least 1.",
            ),
            models.CheckConstraint(
                condition=Q(min_order_amount__isnull=True) | Q(min_order_amount__gte=0),
                name="earnrule_min_order_gte_0",
                violation_error_message="The minimum order must be zero or more.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "The rule must end after it starts."})
        if self.kind == self.Kind.BONUS and not self.bonus_points:
            raise ValidationError({"bonus_points": "A bonus rule needs bonus points."})
        try:
            self.weekday_set()
        except ValueError:
            raise ValidationError({"weekdays": "Use numbers 1 to 7 separated by commas."}) from None

    def weekday_set(self) -> frozenset[int]:
        # Parsed once per value: every purchase (a million in an import) asks each rule.
        cached = self.__dict__.get("_weekday_set")
        if cached is not None and cached[0] == self.weekdays:
            return cached[1]
        days = frozenset(int(d) for d in self.weekdays.replace(" ", "").split(",") if d)
        if any(d < 1 or d > 7 for d in days):
            raise ValueError(self.weekdays)
        self.__dict__["_weekday_set"] = (self.weekdays, days)
        return days


class RuleAudience(models.Model):
    """A member an audience-only rule applies to (``rewards/earning/audiences.py``)."""

    rule = models.ForeignKey(EarnRule, on_delete=models.CASCADE, related_name="audience")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rule", "member"], name="rule_audience_uniq")
        ]

    def __str__(self) -> str:
        return f"member {self.member_id} of rule {self.rule_id}"


class RuleBudget(models.Model):
    """The points a rule with a budget has awarded. A row of its own, locked by each purchase
    that uses it, so that counting neither races nor touches the cached settings' token."""

    rule = models.OneToOneField(EarnRule, on_delete=models.CASCADE, related_name="budget_use")
    awarded = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(awarded__gte=0),
                name="rulebudget_awarded_gte_0",
                violation_error_message="The points awarded cannot be negative.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.awarded} points awarded by rule {self.rule_id}"


class ConfigVersion(models.Model):
    """One row: a random token that changes with every write to the program, the channels,
    the earn rules or the tiers. Database triggers write it (``rewards/earning/config.py``), so
    that every process knows when its cached copy of those settings is out of date."""

    token = models.BigIntegerField()

    def __str__(self) -> str:
        return str(self.token)
