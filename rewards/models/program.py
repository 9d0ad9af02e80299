"""The loyalty program's settings (one row) and its sales channels."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from .. import validation
from ..earning.currencies import CURRENCY_CHOICES
from ..validation import Within
from .base import MONEY, collect, validate_reminder_days

HEX_COLOUR = r"^#[0-9a-fA-F]{6}$"


def luminance(colour: str) -> float:
    """The relative luminance of ``#rrggbb`` (WCAG 2)."""
    values = []
    for i in (1, 3, 5):
        c = int(colour[i : i + 2], 16) / 255
        values.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
    return 0.2126 * values[0] + 0.7152 * values[1] + 0.0722 * values[2]


def contrast(a: str, b: str) -> float:
    """The WCAG contrast ratio of two colours, 1 to 21 (4.5 reads as body text)."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


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
    # The brand on every portal page and email (loyalty/portal/brand.py serves them).
    brand_color = models.CharField(
        "brand colour",
        max_length=7,
        default="#0b5cad",
        validators=[RegexValidator(HEX_COLOUR, "Give the colour as # and 6 hex digits.")],
        help_text="The header and buttons, e.g. #0b5cad; the text on it is black or white, "
        "whichever reads better.",
    )
    logo = models.BinaryField(
        null=True, blank=True, editable=False, help_text="PNG, JPEG or WebP, at most 200 KB."
    )
    logo_type = models.CharField(max_length=20, blank=True, editable=False)
    email_sender_name = models.CharField(
        "sender name of emails",
        max_length=100,
        blank=True,
        help_text="The name members see as the sender (empty: the program's name); the "
        "address is DEFAULT_FROM_EMAIL.",
    )
    offers_sms = models.BooleanField(
        "sends text messages",
        default=False,
        help_text="Members may give a mobile number and agree to offers by text message.",
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

    @property
    def brand_text_color(self) -> str:
        """Black or white, whichever contrasts more with the brand colour."""
        on_black, on_white = (
            contrast(self.brand_color, "#000000"),
            contrast(self.brand_color, "#ffffff"),
        )
        return "#000000" if on_black > on_white else "#ffffff"

    @property
    def sender_name(self) -> str:
        return self.email_sender_name or self.name


class Channel(models.Model):
    """A sales channel (web shop, stores, marketplace...). Only channels that earn give points."""

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    earns_points = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name
