"""Member, the login user, and the cached balances that the points ledger keeps."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from loyalty.codes import random_code, random_codes
from loyalty.errors import ApplicationError

from .fields import EmailAddressField
from .validation import check_birthday, check_phone, check_tier_order, email_forms


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("an email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A login: staff in the admin, or a member in the portal. The email is the login."""

    username = None
    email = EmailAddressField("email address", unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    def __str__(self) -> str:
        return self.email


CARD_CODE_LENGTH = 16  # 32^16 = 2^80 possibilities: unguessable


def new_card_codes(count: int) -> list[str]:
    """``count`` member card codes (shown as a QR code), for till and shop look-ups."""
    return random_codes(count, CARD_CODE_LENGTH)


def new_card_code() -> str:
    return random_code(CARD_CODE_LENGTH)


class MemberQuerySet(models.QuerySet):
    def with_email(self, email: str):
        """Members with this address in any case, its domain in Unicode or punycode
        (``JOSÉ@EXÄMPLE.DE`` finds ``josé@xn--exmple-cua.de``)."""
        return self.alias(email_lower=Lower("email")).filter(email_lower__in=email_forms(email))

    def locked(self, ids) -> "MemberQuerySet":
        """These members' rows, locked until the end of the transaction.

        The one way to lock members: every change to a member's points starts here, so
        two requests on the same member run one after the other (PostgreSQL; SQLite
        serialises all writers), and always in primary-key order, so two writers that
        lock several members never deadlock.
        """
        return self.filter(pk__in=ids).order_by("pk").select_for_update()


class Member(models.Model):
    """A customer in the loyalty program.

    ``points_balance`` (spendable) and ``pending_points`` are caches of the ledger,
    written only by the ledger services in the same transaction as the ledger entry;
    ``verify_ledger`` proves they agree. The balance can be negative only when the
    program allows refunds to leave a debt.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"
        CLOSED = "closed", "Closed"

    user = models.OneToOneField(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="member"
    )
    email = EmailAddressField(unique=True)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    external_id = models.CharField(
        "external customer id",
        max_length=100,
        null=True,
        blank=True,
        unique=True,
        help_text="The customer's id in the merchant's shop or till system.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    enrolled_at = models.DateTimeField(default=timezone.now)
    birthday = models.DateField(null=True, blank=True)
    email_offers = models.BooleanField(
        "offers by email", default=False, help_text="The member agreed to receive offers by email."
    )
    sms_offers = models.BooleanField(
        "offers by text message", default=False, help_text="The member agreed to receive texts."
    )
    phone = models.CharField(
        "mobile phone",
        max_length=16,
        blank=True,
        db_index=True,
        help_text="E.164, e.g. +4915112345678: for text messages when the program sends them.",
    )
    language = models.CharField(
        max_length=8,
        blank=True,
        choices=settings.LANGUAGES,
        help_text="The member's language for the portal and emails (empty: the browser's).",
    )
    card_code = models.CharField(
        max_length=32,
        unique=True,
        default=new_card_code,
        editable=False,
        help_text="The code of the member's card (QR), used by tills to look the member up.",
    )
    # 64-bit: the sum of every entry of the member, over all time.
    points_balance = models.BigIntegerField("spendable points", default=0, editable=False)
    pending_points = models.BigIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Tiers (rewards/tiers/services.py writes these; every change is a TierChange row).
    tier = models.ForeignKey(
        "Tier", null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    tier_since = models.DateTimeField(null=True, blank=True, editable=False)
    tier_pinned = models.BooleanField(
        default=False, editable=False, help_text="Set by staff: tier evaluation leaves it alone."
    )
    tier_pinned_reason = models.CharField(max_length=255, blank=True, editable=False)
    tier_grace_until = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="No longer qualifies; keeps the tier until.",
    )
    tier_paid_until = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="End of the term of a paid tier."
    )
    tier_reviewed_until = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="End of the last period whose downgrade review is done (calendar tiers).",
    )

    objects = MemberQuerySet.as_manager()

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="member_email_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(pending_points__gte=0),
                name="member_pending_gte_0",
                violation_error_message="Pending points cannot be negative.",
            ),
        ]
        indexes = [models.Index(fields=["status"]), models.Index(fields=["enrolled_at"])]

    def __str__(self) -> str:
        return self.email

    def clean(self):
        try:
            check_birthday(self.birthday)
            self.phone = check_phone(self.phone)
        except ApplicationError as exc:
            raise ValidationError({exc.field: exc.message}) from None

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def display_name(self) -> str:
        """What staff read in a sentence about the member: the name, else the email."""
        return self.name or self.email

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @classmethod
    def lock(cls, member_id: int) -> "Member":
        """The member row, locked until the end of the transaction (``MemberQuerySet.locked``)."""
        return cls.objects.locked([member_id]).get()


class Tier(models.Model):
    """A membership level (Regular, Silver, Gold...). The highest rank a member qualifies for wins.

    A member qualifies when the tier's measure over its qualification period reaches the
    threshold. A paid tier is never reached by qualification: staff assign it for a term.
    """

    class Measure(models.TextChoices):
        POINTS = "points", "Points earned"
        SPEND = "spend", "Amount spent"
        ORDERS = "orders", "Number of orders"

    class Period(models.TextChoices):
        CALENDAR_YEAR = "calendar_year", "Calendar year"
        ROLLING_12_MONTHS = "rolling_12", "Rolling 12 months"

    name = models.CharField(max_length=100, unique=True)
    rank = models.PositiveSmallIntegerField(
        unique=True, help_text="Higher is better; 0 for the base tier."
    )
    measure = models.CharField(max_length=10, choices=Measure.choices, default=Measure.POINTS)
    threshold = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        default=0,
        help_text="Points, amount or orders needed in the period (0: everyone qualifies).",
    )
    period = models.CharField(max_length=16, choices=Period.choices, default=Period.CALENDAR_YEAR)
    earn_multiplier = models.DecimalField(
        max_digits=5, decimal_places=2, default=1, help_text="e.g. 1.5: earns 1.5x the base points."
    )
    grace_months = models.PositiveSmallIntegerField(
        default=0, help_text="A member who no longer qualifies keeps the tier this many months."
    )
    benefits = models.TextField(blank=True, help_text="Shown to members; one benefit a line.")
    is_paid = models.BooleanField(
        "paid tier",
        default=False,
        help_text="A subscription: assigned by staff for a fee and a term.",
    )
    fee = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    term_months = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["rank"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(earn_multiplier__gte=1),
                name="tier_multiplier_gte_1",
                violation_error_message="The earn multiplier must be at least 1.",
            ),
            models.CheckConstraint(
                condition=models.Q(threshold__gte=0),
                name="tier_threshold_gte_0",
                violation_error_message="The threshold must be zero or more.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        errors = {}
        if self.is_paid and not self.term_months:
            errors["term_months"] = "A paid tier needs a term."
        if not self.is_paid and self.threshold is not None and self.rank is not None:
            others = Tier.objects.filter(is_paid=False, measure=self.measure).exclude(pk=self.pk)
            try:
                check_tier_order(self, list(others))
            except ApplicationError as exc:
                errors[exc.field] = exc.message
        if errors:
            raise ValidationError(errors)

    def benefit_list(self) -> list[str]:
        return [line.strip() for line in self.benefits.splitlines() if line.strip()]


class TierChange(models.Model):
    """One change of a member's tier: from, to, why, when and by whom. Append-only."""

    class Reason(models.TextChoices):
        UPGRADE = "upgrade", "Qualified for a higher tier"
        DOWNGRADE = "downgrade", "No longer qualifies (re-evaluation)"
        GRACE_ENDED = "grace_ended", "Grace period ended"
        PINNED = "pinned", "Set by staff"
        UNPINNED = "unpinned", "Released to evaluation by staff"
        PAID = "paid", "Paid tier assigned"
        PAID_ENDED = "paid_ended", "Paid tier term ended"

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="tier_changes")
    from_tier = models.ForeignKey(
        Tier, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_tier = models.ForeignKey(
        Tier, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=12, choices=Reason.choices)
    note = models.CharField(max_length=255, blank=True)
    measure_value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    fee = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    paid_until = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["member", "created_at"])]

    def __str__(self) -> str:
        moved = f"{self.from_tier or 'no tier'} → {self.to_tier or 'no tier'}"
        return f"{self.member.display_name}: {moved} ({self.get_reason_display().lower()})"


class Erasure(models.Model):
    """A member's personal data erased on their request: when, why and by whom.

    The member row stays (anonymised) with its purchases and ledger, so that every
    report still reconciles; this row is the proof that the request was carried out.
    """

    member = models.OneToOneField(Member, on_delete=models.PROTECT, related_name="erasure")
    reason = models.CharField(max_length=255)
    erased_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    erased_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-erased_at"]

    def __str__(self) -> str:
        return f"Erasure of member #{self.member_id} on {self.erased_at:%Y-%m-%d}"
