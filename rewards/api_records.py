"""Housekeeping of the integration API's stored records (models in ``rewards.models.api``)."""

from datetime import timedelta

from django.utils import timezone

from .models import IdempotencyRecord


def prune_idempotency_records(*, older_than_days: int = 30, batch_size: int = 5_000) -> int:
    """Delete idempotency records older than ``older_than_days``; returns how many.

    Clients retry within minutes or hours, so old records only take space. Deleted in
    batches of ids so that a large backlog never holds a long lock.
    """
    if older_than_days < 1:
        raise ValueError("older_than_days must be at least 1")
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted = 0
    while True:
        ids = list(
            IdempotencyRecord.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[
                :batch_size
            ]
        )
        if not ids:
            return deleted
        deleted += IdempotencyRecord.objects.filter(pk__in=ids).delete()[0]
