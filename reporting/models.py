"""Accounting settings, redemption-rate estimates, closed periods and daily liability snapshots.

Estimates and closed periods are append-only: a report for a past period must reproduce
what was reported then, so nothing here is edited in place (the services refuse it).
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

MONEY = {"max_digits": 16, "decimal_places": 2}
RATE = {"max_digits": 7, "decimal_places": 6}


class AccountingSettings(models.Model):
    """The program's accounting choices: one row (the cost method's cost of a point)."""

    cost_per_point = models.DecimalField(
        max_digits=12,
        decimal_places=6,
        default=Decimal("0.005000"),
        help_text="What one redeemed point costs the merchant (cost method), in the currency.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "accounting settings"
        verbose_name_plural = "accounting settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(cost_per_point__gte=0), name="accounting_cost_per_point_gte_0"
            )
        ]

    def __str__(self) -> str:
        return f"cost per point {self.cost_per_point}"

    @classmethod
    def get(cls) -> "AccountingSettings":
        return cls.objects.order_by("pk").first() or cls.objects.create()


class RedemptionRateEstimate(models.Model):
    """The expected redemption rate (1 - breakage) from a date on: set by staff or estimated.

    The rate is the share of the points issued that the program expects to be redeemed
    eventually. The estimate in force on a date is the one with the latest
    ``effective_from`` on or before it (the latest recorded wins on the same date).
    """

    class Method(models.TextChoices):
        MANUAL = "manual", "Set by finance"
        COHORT = "cohort", "Estimated from earning cohorts"

    effective_from = models.DateField()
    rate = models.DecimalField(**RATE, help_text="e.g. 0.95 when 95% of points will be redeemed")
    method = models.CharField(max_length=10, choices=Method.choices, default=Method.MANUAL)
    explanation = models.TextField(blank=True, help_text="How the rate was set or computed.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-effective_from", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rate__gte=0) & Q(rate__lte=1), name="redemption_rate_between_0_and_1"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rate:.4f} from {self.effective_from}"


class ClosedPeriod(models.Model):
    """A period finance has closed: its figures, as reported at closing, never change."""

    start = models.DateField()
    end = models.DateField(help_text="Last day of the period (inclusive).")
    figures = models.JSONField(help_text="The roll-forward and revenue figures at closing.")
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    closed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-end"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="closed_period_ordered"),
            models.UniqueConstraint(fields=["start", "end"], name="closed_period_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.start} to {self.end}"


class LiabilitySnapshot(models.Model):
    """The points liability at the end of one day; recomputing a day replaces its row."""

    as_of = models.DateField(unique=True)
    spendable_points = models.BigIntegerField()
    pending_points = models.BigIntegerField()
    outstanding_points = models.BigIntegerField()
    point_value = models.DecimalField(max_digits=12, decimal_places=4)
    redemption_rate = models.DecimalField(**RATE)
    face_value = models.DecimalField(**MONEY)
    contract_liability = models.DecimalField(**MONEY)
    cost_liability = models.DecimalField(**MONEY)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-as_of"]

    def __str__(self) -> str:
        return f"liability on {self.as_of}"


class Report(LiabilitySnapshot):
    """No table of its own: the admin's entry point to the reports page."""

    class Meta:
        proxy = True
        verbose_name = "accounting report"
        verbose_name_plural = "accounting reports"
