"""Reads of segments and campaigns; nothing here writes."""

from collections.abc import Iterator
from datetime import datetime

from django.utils import timezone

from loyalty.cells import safe_cell

from . import segment_query
from .models import Segment

EXPORT_HEADER = ["member id", "email", "first name", "last name", "external id", "tier", "points"]


def segment_members(segment: Segment | dict, *, now: datetime | None = None):
    """The active members of a segment (or of a definition) now: one queryset, one query."""
    definition = segment.definition if isinstance(segment, Segment) else segment
    return segment_query.members(definition, now=now or timezone.now())


def count_definition(definition, *, now: datetime | None = None) -> int:
    """How many members a definition selects (``ApplicationError`` if it is not valid)."""
    return segment_members(definition, now=now).count()


def export_rows(segment: Segment, *, now: datetime | None = None) -> Iterator[list]:
    """The segment's members as spreadsheet rows, text cells escaped against formulas."""
    yield EXPORT_HEADER
    rows = (
        segment_members(segment, now=now)
        .order_by("pk")
        .values_list(
            "pk", "email", "first_name", "last_name", "external_id", "tier__name", "points_balance"
        )
    )
    for row in rows.iterator(chunk_size=2000):
        yield [safe_cell(value) for value in row]
