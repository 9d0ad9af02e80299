"""Accounting settings, closed periods and daily liability snapshots.

Closed periods are append-only: a report for a past period must reproduce what was
reported then, so nothing here is edited in place (the services refuse it). The
redemption-rate estimates live in ``rewards`` (a sale's allocation reads them).
"""

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
        null=True,
        blank=True,
        help_text="What one redeemed point costs the merchant (cost method), in the currency. "
        "Empty until finance sets it: the reports then say 'not set'.",
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
        if self.cost_per_point is None:
            return "Accounting settings: cost per point not set"
        return f"Accounting settings: cost per point {self.cost_per_point}"

    @classmethod
    def get(cls) -> "AccountingSettings":
        return cls.objects.order_by("pk").first() or cls.objects.create()


class ClosedPeriod(models.Model):
    """A period finance has closed: its figures never change.

    ``last_ids`` holds, per table, the last row the books held when the period was
    closed: a row recorded later but dated inside the period (a late refund, an offline
    till, a late expiry run) is booked in the next open period instead, so every report
    of the period, of any part of it and of any day in it is the same forever.
    ``point_value`` and ``cost_per_point`` are the settings of the day, kept with it.
    ``figures`` are the reports as they were at closing (what an auditor signed).
    """

    start = models.DateField()
    end = models.DateField(help_text="Last day of the period (inclusive).")
    figures = models.JSONField(
        default=dict, blank=True, help_text="The reports of the period as at closing."
    )
    last_ids = models.JSONField(
        default=dict, blank=True, help_text="Per table, the last row the closed books hold."
    )
    point_value = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    cost_per_point = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True)
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
        return f"Closed period {self.start} to {self.end}"


class LiabilitySnapshot(models.Model):
    """The points liability at the end of one day; recomputing an open day replaces its row,
    a closed day's row is kept as it is."""

    as_of = models.DateField(unique=True)
    spendable_points = models.BigIntegerField()
    pending_points = models.BigIntegerField()
    outstanding_points = models.BigIntegerField()
    point_value = models.DecimalField(max_digits=12, decimal_places=4)
    redemption_rate = models.DecimalField(**RATE)
    face_value = models.DecimalField(**MONEY)
    contract_liability = models.DecimalField(**MONEY)
    cost_liability = models.DecimalField(**MONEY, null=True, blank=True)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-as_of"]

    def __str__(self) -> str:
        return f"Liability on {self.as_of}: {self.outstanding_points:,} points outstanding"


class Report(LiabilitySnapshot):
    """No table of its own: the admin's entry point to the reports page."""

    class Meta:
        proxy = True
        verbose_name = "accounting report"
        verbose_name_plural = "accounting reports"
