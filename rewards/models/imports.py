"""Bulk purchase imports uploaded in the admin."""

from django.conf import settings
from django.db import models


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
        name = self.file.name.rsplit("/", 1)[-1] if self.file else "no file"
        return f"Import #{self.pk} of {name}: {self.get_status_display().lower()}"
