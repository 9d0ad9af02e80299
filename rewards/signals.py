"""Signals sent by the rewards app, for apps that must not be imported by rewards.

All are sent inside the service's transaction (after the ledger is written), so a
listener's database writes commit or roll back with it; a listener that talks to the
outside world (webhooks, email) must defer with transaction.on_commit.

- purchase_recorded(sender=Purchase, purchase, snapshot): a completed purchase was recorded
  (referrals use it to qualify a referee, tiers to re-measure the member); ``snapshot`` is
  the settings it was recorded with (``rewards.earning.config.Snapshot``: program, tiers...).
- purchase_refunded(sender=Purchase, purchase, refund): part or all of a purchase was refunded.
- redemption_created(sender=Redemption, redemption) / redemption_cancelled(...).
- points_credited(sender=LedgerEntry, entry): any entry that added points.
- points_released(sender=LedgerEntry, entry, member_ids=None): pending points became spendable
  (tiers re-measure); a batched release sends it once with ``entry=None`` and ``member_ids``.
"""

from django.dispatch import Signal

purchase_recorded = Signal()
purchase_refunded = Signal()
redemption_created = Signal()
redemption_cancelled = Signal()
points_credited = Signal()
points_released = Signal()


# purchases_imported(sender=Purchase, member_ids): a bulk import of historical purchases
# wrote purchases and points for these members (no per-purchase signals are sent for an
# import: listeners re-measure the members instead). Sent inside the import's transaction.
purchases_imported = Signal()
