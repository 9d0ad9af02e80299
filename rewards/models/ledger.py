"""The points ledger: three tables.

``LedgerEntry`` is append-only: one row for every change to a member's points.
``PointLot`` is one earning with the points it has left and when they expire.
``LotMovement`` records which lots each entry changed and by how much, so that for
every lot ``remaining = sum(movements)`` and for every entry
``points + pending_points = sum(movements)``; ``verify_ledger`` checks both.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from members.models import Member

from .catalog import Redemption
from .purchases import Purchase, Refund


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
        return f"{self.what}: {self.points_text}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("ledger entries are append-only: post a new entry instead")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("ledger entries are append-only and cannot be deleted")

    @property
    def what(self) -> str:
        """The entry's kind, with its source: "Earned on purchase #1001", "Redeemed (code X)"."""
        kinds = self.Kind
        if self.kind == kinds.EARN and self.purchase_id:
            return f"Earned on purchase {self.purchase.number}"
        if self.kind == kinds.REVERSE and self.purchase_id:
            return f"Reversed on the refund of purchase {self.purchase.number}"
        if self.kind in (kinds.REDEEM, kinds.REDEEM_CANCEL) and self.redemption_id:
            return f"{self.get_kind_display()} (code {self.redemption.code})"
        return str(self.get_kind_display())

    @property
    def points_text(self) -> str:
        """ "+12 points (pending)" while held; "+12 points" once spendable; both when both move."""
        if self.pending_points and not self.points:
            return f"{self.pending_points:+,} points (pending)"
        if self.pending_points:
            return f"{self.points:+,} points ({self.pending_points:+,} pending)"
        return f"{self.points:+,} points"


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
        if self.is_debt:
            return f"Debt of {-self.remaining:,} points from {self.earned_at:%Y-%m-%d}"
        text = (
            f"Lot of {self.points:,} points from {self.earned_at:%Y-%m-%d}, {self.remaining:,} left"
        )
        if self.status == self.Status.PENDING and self.available_at:
            text += f", pending until {self.available_at:%Y-%m-%d}"
        if self.expires_at:
            return f"{text}, expires {self.expires_at:%Y-%m-%d}"
        return f"{text}, never expires"


class LotMovement(models.Model):
    """How much an entry changed a lot (negative: taken from it)."""

    entry = models.ForeignKey(LedgerEntry, on_delete=models.PROTECT, related_name="movements")
    lot = models.ForeignKey(PointLot, on_delete=models.PROTECT, related_name="movements")
    points = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.points:+,} points on lot #{self.lot_id}"
