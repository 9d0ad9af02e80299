"""Instant upgrades: the rewards signals that can raise a measure check the member's tier at once.

Connected in ``RewardsConfig.ready``. Downgrades wait for the re-evaluation job.
"""

from . import services


def on_purchase_recorded(sender, purchase, snapshot=None, **kwargs):
    if purchase.member_id:
        # The tiers the purchase was recorded with: no query at all when there are none.
        known = snapshot.tiers if snapshot is not None else None
        services.upgrade_member(member_id=purchase.member_id, tiers=known)


def on_points_credited(sender, entry, **kwargs):
    if entry.purchase_id is None:  # a purchase's credit is handled by purchase_recorded
        services.upgrade_member(member_id=entry.member_id)


def on_points_released(sender, entry=None, member_ids=None, **kwargs):
    """One member's release (``entry``) or a whole batch's (``member_ids``)."""
    if member_ids is not None:
        services.upgrade_members(member_ids=member_ids)
    else:
        services.upgrade_member(member_id=entry.member_id)


def on_purchases_imported(sender, member_ids, **kwargs):
    """A bulk import sends no per-purchase signals: check the imported members at once."""
    member_ids = list(member_ids)
    for start in range(0, len(member_ids), 500):  # bounded IN lists (SQLite caps parameters)
        services.upgrade_members(member_ids=member_ids[start : start + 500])
