"""Signals sent by the members app (for decoupled listeners: webhooks, portal, reports).

tier_changed(sender=Member, member, from_tier, to_tier, reason): sent inside the
transaction that changed the tier; a listener that talks to the outside world must
defer its work with transaction.on_commit.
"""

from django.dispatch import Signal

tier_changed = Signal()
