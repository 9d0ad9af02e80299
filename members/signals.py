"""Signals sent by the members app (for decoupled listeners: webhooks, portal, reports).

tier_changed(sender=Member, member, from_tier, to_tier, reason): sent inside the
transaction that changed the tier; a listener that talks to the outside world must
defer its work with transaction.on_commit.

personal_data_erased(sender=Member, member, email): sent inside the transaction that
erased a member's personal data (``services.erase_personal_data``); ``email`` is the
address the member had, so that other apps remove it from what they wrote (e.g. the
referrals app deactivates the code and scrubs the address from its ledger descriptions).
"""

from django.dispatch import Signal

tier_changed = Signal()
personal_data_erased = Signal()
