"""The redemption-rate estimates a sale's allocation to its points is computed with.

It lives beside the purchases (not in ``reporting``) because recording a sale
reads it: the part of the price allocated to the points is fixed then (IFRS 15.88).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

RATE = {"max_digits": 7, "decimal_places": 6}


class RedemptionRateEstimate(models.Model):
    """The expected redemption rate (1 - breakage) from a date on: set by finance or estimated.

    The rate is the share of the points issued that the program expects to be redeemed
    eventually. The estimate in force on a date is the one with the latest
    ``effective_from`` on or before it (the latest recorded wins on the same date).
    Append-only: a report for a past date must reproduce what was reported then.
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
                condition=Q(rate__gte=0) & Q(rate__lte=1),
                name="redemption_rate_between_0_and_1",
                violation_error_message="The redemption rate must be between 0 and 1.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.rate:.4f} from {self.effective_from}"
