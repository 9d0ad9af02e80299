"""The program's settings, purchases and earn rules, the points ledger and the rewards catalog.

The ledger is three tables. ``LedgerEntry`` is append-only: one row for every change
to a member's points. ``PointLot`` is one earning with the points it has left and when
they expire. ``LotMovement`` records which lots each entry changed and by how much, so
that for every lot ``remaining = sum(movements)`` and for every entry
``points + pending_points = sum(movements)``; ``verify_ledger`` checks both.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from loyalty.errors import ApplicationError
from members.models import Member

from . import validation
from .currencies import CURRENCY_CHOICES
from .validation import Within

MONEY = {"max_digits": 14, "decimal_places": 2}


def collect(errors: dict, check, value, *, field: str, **options) -> None:
    """Run a ``rewards.validation`` check in a model's ``clean``, its refusal kept by field."""
    try:
        check(value, field=field, **options)
    except ApplicationError as exc:
        errors.setdefault(exc.field or field, []).append(exc.message)


def parse_reminder_days(value: str) -> list[int]:
    """The reminder windows of a program setting like "30,7", largest first."""
    try:
        days = {int(part) for part in (value or "").replace(" ", "").split(",") if part}
    except ValueError:
        raise ValidationError("Use whole numbers of days separated by commas, e.g. 30,7.") from None
    if any(d < 1 or d > 366 for d in days):
        raise ValidationError("Each reminder must be from 1 to 366 days before expiry.")
    return sorted(days, reverse=True)


def validate_reminder_days(value: str) -> None:
    parse_reminder_days(value)


class Program(models.Model):
    """The loyalty program's settings: one row per installation (the merchant's program)."""

    class Rounding(models.TextChoices):
        FLOOR = "floor", "Round down (floor)"
        HALF_UP = "half_up", "Round to nearest (half up)"
        CEILING = "ceiling", "Round up (ceiling)"

    class Expiry(models.TextChoices):
        NEVER = "never", "Points never expire"
        FIXED = "fixed", "A fixed lifetime after earning"
        INACTIVITY = "inactivity", "The whole balance after months without activity"

    name = models.CharField(max_length=200, default="Loyalty program")
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, default="EUR")
    earn_points = models.PositiveIntegerField(
        "points earned",
        default=1,
        validators=[Within("count", "points earned", minimum=1, maximum=1000)],
        help_text="Points earned per 'amount that earns them' of eligible spend (1 to 1,000; "
        "at most 100 points per 1.00).",
    )
    earn_per_amount = models.DecimalField(
        "amount that earns them",
        **MONEY,
        default=Decimal("1.00"),
        validators=[Within("amount", "amount that earns them", hard=True)],
        help_text="e.g. 1.00 for 1 point per 1.00, 10.00 for 1 point per 10.00",
    )
    rounding = models.CharField(max_length=10, choices=Rounding.choices, default=Rounding.FLOOR)
    point_value = models.DecimalField(
        "value of a point",
        max_digits=12,
        decimal_places=4,
        default=Decimal("0.0100"),
        validators=[Within("point_value", "value of a point")],
        help_text="Money value of one point when redeemed, in the program's currency "
        "(0 to 100, up to 4 decimals).",
    )
    expiry_policy = models.CharField(max_length=12, choices=Expiry.choices, default=Expiry.FIXED)
    expiry_months = models.PositiveSmallIntegerField(
        "expiry in months",
        default=12,
        validators=[Within("count", "expiry in months", minimum=1, maximum=120)],
        help_text="Lifetime of points (fixed) or months without activity (inactivity); 1 to 120.",
    )
    return_window_days = models.PositiveSmallIntegerField(
        "return window in days",
        default=0,
        validators=[Within("count", "return window in days", maximum=365)],
        help_text="Purchase points stay pending (not spendable) for this many days (0 to 365).",
    )
    auto_enroll = models.BooleanField(
        default=True, help_text="Every customer who buys becomes a member (off: opt-in only)."
    )
    allow_negative_balance = models.BooleanField(
        default=False,
        help_text="A refund of already-spent points leaves a debt that the next earning settles. "
        "Off: the refund takes what is left and records the shortfall.",
    )
    earn_on_shipping = models.BooleanField(default=False)
    earn_on_tax = models.BooleanField(default=False)
    earn_on_gift_cards = models.BooleanField(
        default=False, help_text="Buying a gift card earns points."
    )
    expiry_reminder_days = models.CharField(
        max_length=50,
        blank=True,
        default="30,7",
        validators=[validate_reminder_days],
        help_text="Email members this many days before their points expire, comma-separated "
        "(e.g. 30,7: one email 30 days before and one 7 days before); empty for none.",
    )
    max_purchase_amount = models.DecimalField(
        "largest purchase",
        **MONEY,
        default=validation.DEFAULT_MAX_AMOUNT,
        validators=[Within("amount", "largest purchase", hard=True)],
        help_text="A purchase or refund above this amount is refused as a typing mistake "
        "(at most 99,999,999.99).",
    )
    max_points_per_entry = models.PositiveIntegerField(
        "most points at once",
        default=validation.DEFAULT_MAX_POINTS,
        validators=[Within("points", "most points at once", hard=True)],
        help_text="No adjustment, bonus, reward cost or tier threshold may exceed this "
        "(at most 100,000,000).",
    )
    earliest_date = models.DateField(
        default=validation.DEFAULT_EARLIEST_DATE,
        validators=[Within("day", "earliest date", hard=True)],
        help_text="Purchases and other events dated before this day are refused.",
    )
    large_purchase_amount = models.DecimalField(
        "large purchase",
        **MONEY,
        default=validation.DEFAULT_LARGE_AMOUNT,
        validators=[Within("amount", "large purchase", hard=True)],
        help_text="Staff must confirm a purchase above this amount.",
    )
    large_adjustment_points = models.PositiveIntegerField(
        "large adjustment",
        default=validation.DEFAULT_LARGE_POINTS,
        validators=[Within("points", "large adjustment", hard=True)],
        help_text="An adjustment above this many points needs a second staff user's approval.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(earn_per_amount__gt=0),
                name="program_earn_per_gt_0",
                violation_error_message="The amount that earns points must be more than zero.",
            ),
            models.CheckConstraint(
                condition=Q(point_value__gte=0),
                name="program_point_value_gte_0",
                violation_error_message="The value of a point must be zero or more.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        errors: dict = {}
        per, most = self.earn_per_amount, validation.HARD_MAX_AMOUNT
        if 1 <= (self.earn_points or 0) <= 1000 and per is not None and 0 < per <= most:
            collect(
                errors,
                validation.check_earn_rate,
                self.earn_points,
                field="earn_points",
                per=self.earn_per_amount,
            )
        large, largest = self.large_purchase_amount, self.max_purchase_amount
        if large is not None and largest is not None and large > largest:
            errors.setdefault("large_purchase_amount", []).append(
                f"The large purchase ({validation.money_text(large)}) cannot be above the "
                f"largest purchase ({validation.money_text(largest)})."
            )
        large, most = self.large_adjustment_points, self.max_points_per_entry
        if large is not None and most is not None and large > most:
            errors.setdefault("large_adjustment_points", []).append(
                f"The large adjustment ({large:,} points) cannot be above the most points "
                f"at once ({most:,})."
            )
        if errors:
            raise ValidationError(errors)

    @classmethod
    def get(cls) -> "Program":
        """The program; created with defaults on first use."""
        program = cls.objects.order_by("pk").first()
        return program or cls.objects.create()

    def points_value(self, points: int) -> Decimal:
        return (Decimal(points) * self.point_value).quantize(Decimal("0.01"))


class Channel(models.Model):
    """A sales channel (web shop, stores, marketplace...). Only channels that earn give points."""

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    earns_points = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


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
    # The extension point of campaigns (rewards/audiences.py): a rule for listed members only,
    # with a budget of points it stops awarding at.
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
    """A member an audience-only rule applies to (``rewards/audiences.py``)."""

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
    the earn rules or the tiers. Database triggers write it (``rewards/config.py``), so
    that every process knows when its cached copy of those settings is out of date."""

    token = models.BigIntegerField()

    def __str__(self) -> str:
        return str(self.token)


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
        return f"{self.channel.code}/{self.order_id}"


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
        return f"{self.sku or self.category or 'line'} {self.amount}"


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
        return f"refund {self.refund_id} of {self.amount}"


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
        return self.code


class LedgerEntry(models.Model):
    """One change to a member's points. Append-only: a correction is a new entry.

    ``points`` changes the spendable balance, ``pending_points`` the pending one
    (a release moves points from pending to spendable: +n and -n).
    """

    class Kind(models.TextChoices):
        EARN = "earn", "Earned on a purchase"
        RELEASE = "release", "Pending points released"
        REDEEM = "redeem", "Redeemed"
        REDEEM_CANCEL = "redeem_cancel", "Redemption cancelled"
        EXPIRE = "expire", "Expired"
        ADJUST = "adjust", "Manual adjustment"
        REVERSE = "reverse", "Reversed (refund or return)"
        REFERRAL = "referral", "Referral reward"
        ACTION = "action", "Action bonus"
        FORFEIT = "forfeit", "Forfeited (membership closed)"

    # Indexed by (member, effective_at) below, which serves member lookups too.
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="ledger_entries", db_index=False
    )
    kind = models.CharField(max_length=14, choices=Kind.choices)
    # 64-bit: an expiry or a closing sums all of a member's lots into one entry.
    points = models.BigIntegerField(default=0)
    pending_points = models.BigIntegerField(default=0)
    shortfall = models.BigIntegerField(
        default=0, help_text="Points a reversal could not take back because they were spent."
    )
    description = models.CharField("description (the member sees it)", max_length=255, blank=True)
    reason = models.TextField(
        "internal note (staff only)",
        blank=True,
        help_text="Why staff made it; never shown to the member.",
    )
    purchase = models.ForeignKey(Purchase, null=True, blank=True, on_delete=models.PROTECT)
    refund = models.ForeignKey(Refund, null=True, blank=True, on_delete=models.PROTECT)
    redemption = models.ForeignKey(Redemption, null=True, blank=True, on_delete=models.PROTECT)
    reference = models.CharField(
        max_length=200, blank=True, help_text="The source when it is not a purchase or redemption."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text="The staff user of a manual entry.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    effective_at = models.DateTimeField(default=timezone.now)
    idempotency_key = models.CharField(max_length=200)

    class Meta:
        ordering = ["-effective_at", "-pk"]
        verbose_name_plural = "ledger entries"
        # A constraint, not unique=True: the key is only ever matched exactly, so the extra
        # LIKE index PostgreSQL gets for a unique CharField would cost every insert for nothing.
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="ledgerentry_idempotency_uniq")
        ]
        indexes = [
            models.Index(fields=["member", "effective_at"]),
            models.Index(fields=["kind", "effective_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.points:+d}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("ledger entries are append-only: post a new entry instead")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("ledger entries are append-only and cannot be deleted")


class PointLot(models.Model):
    """One earning and what is left of it; spent and expired oldest-expiry-first.

    A debt lot (``is_debt``) holds a negative balance left by a refund of points that
    were already spent; the next earning settles it.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending (return window)"
        AVAILABLE = "available", "Spendable"

    # Indexed by (member, status) below, which serves member lookups too.
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="lots", db_index=False
    )
    entry = models.ForeignKey(LedgerEntry, on_delete=models.PROTECT, related_name="created_lots")
    purchase = models.ForeignKey(
        Purchase, null=True, blank=True, on_delete=models.PROTECT, related_name="lots"
    )
    status = models.CharField(max_length=10, choices=Status.choices)
    is_debt = models.BooleanField(default=False)
    # 64-bit: a debt lot adds up every shortfall of the member.
    points = models.BigIntegerField(help_text="Points at creation.")
    remaining = models.BigIntegerField()
    earned_at = models.DateTimeField()
    available_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["member", F("expires_at").asc(nulls_last=True), "earned_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(is_debt=False) & Q(remaining__gte=0) & Q(remaining__lte=F("points")))
                | (Q(is_debt=True) & Q(remaining__lte=0) & Q(status="available")),
                name="pointlot_remaining_in_range",
                violation_error_message="A lot's remaining points must be between zero and "
                "its points (a debt: zero or less).",
            ),
        ]
        indexes = [
            models.Index(fields=["member", "status"]),
            models.Index(
                fields=["expires_at"], condition=Q(remaining__gt=0), name="pointlot_open_expiry_idx"
            ),
            models.Index(
                fields=["available_at"],
                condition=Q(status="pending"),
                name="pointlot_pending_release_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"lot {self.pk}: {self.remaining}/{self.points}"


class LotMovement(models.Model):
    """How much an entry changed a lot (negative: taken from it)."""

    entry = models.ForeignKey(LedgerEntry, on_delete=models.PROTECT, related_name="movements")
    lot = models.ForeignKey(PointLot, on_delete=models.PROTECT, related_name="movements")
    points = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.points:+d} on lot {self.lot_id}"


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
        return f"{self.points} points on {self.expires_on} ({self.window_days} days before)"


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
        return f"{self.rule.code} by {self.member_id}"


# The integration API's models live in their own module; importing them registers them.
from .apimodels import ApiKey, IdempotencyRecord, WebhookDelivery, WebhookEndpoint  # noqa: E402, F401, I001
from .adjustmentmodels import AdjustmentRequest  # noqa: E402, F401, I001


class ImportJob(models.Model):
    """A file of historical purchases uploaded in the admin: previewed, confirmed, imported.

    The work runs in Celery tasks (``rewards.tasks``) that call ``rewards.importing``;
    this row holds the options, the status and the figures the admin shows.
    """

    class Status(models.TextChoices):
        PREVIEWING = "previewing", "Checking the file"
        PREVIEWED = "previewed", "Checked: confirm to import"
        REJECTED = "rejected", "Invalid rows: nothing imported"
        IMPORTING = "importing", "Importing"
        DONE = "done", "Imported"
        FAILED = "failed", "Failed"

    file = models.FileField(upload_to="imports/%Y/%m/")
    preset = models.CharField(
        max_length=20,
        blank=True,
        choices=[("shopify", "Shopify orders export"), ("woocommerce", "WooCommerce orders")],
        help_text="Read a shop system's export as is (empty: our own columns).",
    )
    channel = models.CharField(
        max_length=50, blank=True, help_text="Channel code of rows without a channel column."
    )
    skip_invalid = models.BooleanField(
        default=False, help_text="Import the valid rows even if some are invalid."
    )
    award_points = models.BooleanField(default=True)
    points_as_of_today = models.BooleanField(
        default=False, help_text="Credit the points today (a welcome balance), not at each date."
    )
    decimal_comma = models.BooleanField(default=False, help_text="Amounts are written 1.234,50.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PREVIEWING)
    summary = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)
    rejected_file = models.FileField(upload_to="imports/rejected/", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"import {self.pk} ({self.get_status_display()})"


# The redemption-rate estimates the allocation uses; importing them registers them.
from .accountingmodels import RedemptionRateEstimate  # noqa: E402, F401, I001
