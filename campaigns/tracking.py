"""The email provider's tracking: opens and clicks reported by django-anymail's webhook.

Anymail turns each provider's tracking webhook (``/anymail/<provider>/tracking/``) into one
``anymail.signals.tracking`` signal with a normalised ``AnymailTrackingEvent``;
``record_event`` (connected in ``CampaignsConfig.ready``) stamps the send whose
``provider_id`` is the event's ``message_id``. Only the first open and the first click count:
providers resend events and members reopen, the KPIs count messages, not views.
"""

from __future__ import annotations

from django.utils import timezone

from .models import MessageSend


def record_event(sender, event, esp_name: str = "", **kwargs) -> int:
    """Record an ``opened`` or ``clicked`` event; the number of sends it changed.

    An event without a message id, or with one no send of ours carries (another system's
    email on the same provider account), changes nothing. A click also counts as an open
    when no open was reported (the member's mail client blocked the tracking pixel).
    Delivered, bounced, complained and unsubscribed events are not recorded: a send's
    status says what this app did (the provider's own unsubscribe is not our consent).
    """
    message_id = str(event.message_id or "").strip()
    if not message_id or event.event_type not in ("opened", "clicked"):
        return 0
    at = event.timestamp or timezone.now()
    sends = MessageSend.objects.filter(provider_id=message_id, status=MessageSend.Status.SENT)
    changed = sends.filter(opened_at__isnull=True).update(opened_at=at)
    if event.event_type == "clicked":
        changed += sends.filter(clicked_at__isnull=True).update(clicked_at=at)
    return changed
