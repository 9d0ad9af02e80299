"""Referral codes, referrals (referrer -> referee) and the program's referral settings."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from members.models import Member
from rewards.models import LedgerEntry, Purchase
from rewards.validation import Within


class ReferralSettings(models.Model):
    """How referrals are rewarded and checked: one row (created with defaults on first use)."""

    class CapPeriod(models.TextChoices):
        MONTH = "month", "Per calendar month"
        YEAR = "year", "Per calendar year"
        EVER = "ever", "In total"

    referrer_points = models.PositiveIntegerField(
        "points for the referrer",
        default=500,
        validators=[Within("points", "points for the referrer", allow_zero=True)],
        help_text="0: no reward.",
    )
    referee_points = models.PositiveIntegerField(
        "points for the referee",
        default=250,
        validators=[Within("points", "points for the referee", allow_zero=True)],
        help_text="0: no reward.",
    )
    min_qualifying_amount = models.DecimalField(
        "minimum qualifying purchase",
        max_digits=14,
        decimal_places=2,
        default=Decimal("20.00"),
        validators=[Within("amount", "minimum qualifying purchase", allow_zero=True)],
        help_text="The referee's first purchase of at least this amount qualifies the referral.",
    )
    cap_per_referrer = models.PositiveIntegerField(
        "rewarded referrals per referrer",
        default=10,
        validators=[Within("count", "rewarded referrals per referrer", maximum=100_000)],
        help_text="Rewarded referrals per referrer per period (0: no cap).",
    )
    cap_period = models.CharField(max_length=5, choices=CapPeriod.choices, default=CapPeriod.YEAR)
    suspicious_per_day = models.PositiveSmallIntegerField(
        "suspicious referrals a day",
        default=5,
        validators=[Within("count", "suspicious referrals a day", minimum=1, maximum=10_000)],
        help_text="More referrals than this by one referrer within 24 hours wait for approval.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "referral settings"
        verbose_name_plural = "referral settings"

    def __str__(self) -> str:
        return "Referral settings"

    @classmethod
    def get(cls) -> "ReferralSettings":
        found = cls.objects.order_by("pk").first()
        return found or cls.objects.create()


class ReferralCode(models.Model):
    """A member's shareable code (unguessable: random, from ``secrets``)."""

    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="referral_code")
    code = models.CharField(max_length=20, unique=True)
    visits = models.PositiveIntegerField(default=0, help_text="Times the referral link was opened.")
    shared_at = models.DateTimeField(null=True, blank=True, help_text="First time it was shared.")
    active = models.BooleanField(
        default=True, help_text="Off: the link refers nobody (e.g. the member's data was erased)."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Referral code {self.code} of {self.member.display_name}"


# A referral's status in a sentence ("Referral: Anna → Ben, awaiting approval").
STATUS_WORDS = {
    "pending": "waiting for a first purchase",
    "awaiting_approval": "awaiting approval",
    "qualified": "qualified, reward due after the return window",
    "rewarded": "rewarded",
    "cancelled": "cancelled",
    "rejected": "rejected",
}


class Referral(models.Model):
    """A referee brought by a referrer, and where its two-sided reward stands."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending (no qualifying purchase yet)"
        AWAITING_APPROVAL = "awaiting_approval", "Awaiting staff approval"
        QUALIFIED = "qualified", "Qualified (reward waits for the return window)"
        REWARDED = "rewarded", "Rewarded"
        CANCELLED = "cancelled", "Cancelled"
        REJECTED = "rejected", "Rejected by staff"

    class Source(models.TextChoices):
        SIGNUP = "signup", "Signed up with the link"
        PURCHASE = "purchase", "Bought with the code"

    referrer = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="referrals_made")
    referee = models.OneToOneField(Member, on_delete=models.PROTECT, related_name="referred_by")
    code = models.ForeignKey(ReferralCode, on_delete=models.PROTECT, related_name="referrals")
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.SIGNUP)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    suspicion = models.CharField(max_length=255, blank=True, help_text="Why it waits for approval.")
    qualifying_purchase = models.ForeignKey(
        Purchase, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    qualified_at = models.DateTimeField(null=True, blank=True)
    reward_due_at = models.DateTimeField(null=True, blank=True)
    rewarded_at = models.DateTimeField(null=True, blank=True)
    referrer_points = models.IntegerField(default=0)
    referee_points = models.IntegerField(default=0)
    referrer_entry = models.ForeignKey(
        LedgerEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    referee_entry = models.ForeignKey(
        LedgerEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=255, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_reason = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(referrer=models.F("referee")),
                name="referral_not_self",
                violation_error_message="A member cannot refer themselves.",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "reward_due_at"]),
            models.Index(fields=["referrer", "status"]),
        ]

    def __str__(self) -> str:
        who = f"{self.referrer.display_name} → {self.referee.display_name}"
        return f"Referral: {who}, {STATUS_WORDS.get(self.status, self.status)}"
