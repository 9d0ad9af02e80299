"""Writes of segments: freezing a segment's members as a list."""

from django.db import connection, transaction
from django.utils import timezone

from loyalty.errors import ApplicationError, not_found

from . import conditions
from .models import Segment, SegmentSnapshot, SnapshotMember


@transaction.atomic
def freeze_segment(*, segment_id: int, user=None, now=None) -> SegmentSnapshot:
    """The segment's members now, copied into a list by one INSERT ... SELECT."""
    segment = Segment.objects.filter(pk=segment_id).first()
    if segment is None:
        raise not_found("segment", segment_id, field="segment")
    now = now or timezone.now()
    tree = conditions.parse(segment.definition)
    snapshot = SegmentSnapshot.objects.create(
        segment=segment, taken_at=now, taken_by=user, definition=segment.definition
    )
    ids = conditions.members(tree, now=now).order_by().values("pk")
    sql, params = ids.query.sql_with_params()
    table = SnapshotMember._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (snapshot_id, member_id) SELECT %s, sub.* FROM ({sql}) sub",  # noqa: S608
            [snapshot.pk, *params],
        )
        snapshot.member_count = cursor.rowcount
    if snapshot.member_count < 0:
        raise ApplicationError("The list could not be counted.")  # pragma: no cover
    snapshot.save(update_fields=["member_count"])
    return snapshot
