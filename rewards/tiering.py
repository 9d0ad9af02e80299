"""The tier measures, computed from the ledger and purchases, and the instant upgrade hooks.

Registered as the members app's measure provider (see ``members.tiers``) in
``RewardsConfig.ready``. Each call is ONE aggregate query for a whole batch of members.

- points: spendable points earned in the window (earnings, releases of pending points,
  actions, referrals, less reversals); pending points count once released, and spending
  or expiring points never lowers the measure.
- spend: what the member paid (amount less refunds) for purchases made in the window.
- orders: purchases made in the window that were not refunded in full.
"""

from datetime import datetime
from decimal import Decimal

from django.db.models import Count, DecimalField, F, Sum

from members import tiers
from members.models import Tier

from .models import LedgerEntry, Purchase

EARNING_KINDS = [
    LedgerEntry.Kind.EARN,
    LedgerEntry.Kind.RELEASE,
    LedgerEntry.Kind.REVERSE,
    LedgerEntry.Kind.ACTION,
    LedgerEntry.Kind.REFERRAL,
]


def measure(
    member_ids: list[int], *, measure: str, start: datetime, end: datetime | None
) -> dict[int, Decimal]:
    """``{member_id: value}`` of one measure over ``[start, end)`` for the given members."""
    if measure == Tier.Measure.POINTS:
        rows = LedgerEntry.objects.filter(
            member_id__in=member_ids, kind__in=EARNING_KINDS, effective_at__gte=start
        )
        if end is not None:
            rows = rows.filter(effective_at__lt=end)
        value = Sum("points")
    else:
        rows = Purchase.objects.filter(member_id__in=member_ids, purchased_at__gte=start)
        if end is not None:
            rows = rows.filter(purchased_at__lt=end)
        if measure == Tier.Measure.SPEND:
            value = Sum(
                F("amount") - F("refunded_amount"),
                output_field=DecimalField(max_digits=16, decimal_places=2),
            )
        else:
            rows = rows.exclude(status=Purchase.Status.REFUNDED)
            value = Count("pk")
    return {
        row["member_id"]: Decimal(row["value"] or 0)
        for row in rows.values("member_id").annotate(value=value).order_by()
    }


def on_purchase_recorded(sender, purchase, snapshot=None, **kwargs):
    if purchase.member_id:
        # The tiers the purchase was recorded with: no query at all when there are none.
        known = snapshot.tiers if snapshot is not None else None
        tiers.upgrade_member(member_id=purchase.member_id, tiers=known)


def on_points_credited(sender, entry, **kwargs):
    if entry.purchase_id is None:  # a purchase's credit is handled by purchase_recorded
        tiers.upgrade_member(member_id=entry.member_id)


def on_points_released(sender, entry=None, member_ids=None, **kwargs):
    """One member's release (``entry``) or a whole batch's (``member_ids``)."""
    if member_ids is not None:
        tiers.upgrade_members(member_ids=member_ids)
    else:
        tiers.upgrade_member(member_id=entry.member_id)


def on_purchases_imported(sender, member_ids, **kwargs):
    """A bulk import sends no per-purchase signals: check the imported members at once."""
    member_ids = list(member_ids)
    for start in range(0, len(member_ids), 500):  # bounded IN lists (SQLite caps parameters)
        tiers.upgrade_members(member_ids=member_ids[start : start + 500])


def evaluate_tiers(*, as_of: datetime | None = None, batch_size: int = 500) -> dict:
    """Re-evaluate all members' tiers (see ``members.tiers.evaluate_tiers``)."""
    return tiers.evaluate_tiers(as_of=as_of, batch_size=batch_size)
