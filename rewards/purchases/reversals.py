"""Take back points credited earlier (e.g. a referral reward whose purchase was refunded)."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from loyalty.db import retry_on_conflict
from loyalty.errors import ApplicationError
from members.services import lock_member

from .. import validation
from ..ledger.postings import Posting
from ..models import LedgerEntry, Program


@retry_on_conflict
@transaction.atomic
def claw_back_points(
    *,
    member_id: int,
    points: int,
    kind: str,
    reason: str,
    idempotency_key: str,
    description: str = "",
    reference: str = "",
    user=None,
    effective_at: datetime | None = None,
) -> LedgerEntry:
    """Remove ``points`` taken soonest-expiry first; what is already spent becomes a debt
    when the program allows a negative balance, otherwise the entry's shortfall.

    Unlike a manual debit, it never refuses because the member spent the points: the
    reason for taking them back (a refund) happened whatever the member did since.
    """
    # Computed by the services from what was earned, not typed: only the ceiling applies.
    points = validation.check_points(points, limits=validation.COMPUTED)
    if not (reason or "").strip():
        raise ApplicationError("A reason is required.", code="reason_required", field="reason")
    member = lock_member(member_id)
    existing = LedgerEntry.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    posting = Posting(
        member=member,
        kind=kind,
        idempotency_key=idempotency_key,
        effective_at=effective_at or timezone.now(),
    )
    taken = posting.take(points)
    short = points - taken
    if short and Program.get().allow_negative_balance:
        posting.add_debt(short)
        short = 0
    text = description or reason
    if short:
        text += f" ({short} points already spent, not taken back)"
    return posting.post(
        shortfall=short,
        description=text[:255],
        reason=reason,
        reference=reference,
        created_by=user,
    )
