"""The demo's segments, campaigns and messages: every state their admin pages show."""

from datetime import timedelta
from decimal import Decimal

from campaigns import lifecycle, services
from campaigns.models import Campaign, MessageSend, MessageTemplate, Segment
from members.models import Member, User
from rewards.purchases.recording import record_purchase

OPTED_IN = {"match": "all", "conditions": [{"kind": "consent", "channel": "email"}]}
REGULARS = {
    "match": "any",
    "conditions": [
        {"kind": "purchases", "days": 365, "min_count": 3},
        {"kind": "rfm", "days": 365, "recency": [4, 5], "monetary": [4, 5]},
    ],
}
LAPSED = {
    "match": "all",
    "conditions": [
        {"kind": "last_purchase", "more_than_days": 90},
        {"kind": "balance", "min": 1},
    ],
}


def load_marketing(staff: User, *, now) -> None:
    # Half of the customers agreed to offers by email (the personas keep their own choice).
    ids = list(Member.objects.filter(email__startswith="customer").values_list("pk", flat=True))
    Member.objects.filter(pk__in=ids[::2]).update(email_offers=True)
    opted = Segment.objects.create(name="Opted in to email", definition=OPTED_IN, created_by=staff)
    Segment.objects.create(name="Regulars (RFM)", definition=REGULARS, created_by=staff)
    Segment.objects.create(name="Lapsed with points", definition=LAPSED, created_by=staff)
    running = Campaign.objects.create(
        name="Double points fortnight", kind=Campaign.Kind.MULTIPLIER, segment=opted,
        multiplier=Decimal("2"), starts_at=now - timedelta(days=7), ends_at=now + timedelta(7),
        budget_points=5000, control_share=Decimal("0.2"), seed=2026,
    )  # fmt: skip
    services.launch_campaign(campaign_id=running.pk, user=staff, now=now)
    for i, member_id in enumerate(
        running.audience.order_by("member_id").values_list("member_id", flat=True)[:8]
    ):
        record_purchase(
            channel="web", order_id=f"CMP-{i}", amount=f"{18 + 7 * i}.00", member_id=member_id,
            purchased_at=now - timedelta(days=6 - i * 0.5),
        )  # fmt: skip
    Campaign.objects.create(
        name="Spring newsletter", kind=Campaign.Kind.MESSAGE, segment=opted,
        starts_at=now + timedelta(days=30), ends_at=now + timedelta(days=31),
    )  # fmt: skip
    MessageTemplate.objects.create(
        kind="welcome", language="en", subject="Welcome to {{ program }}, {{ name }}",
        body="Hello {{ name }},\n\nEvery purchase now earns points. See you soon!\n",
    )  # fmt: skip
    lifecycle.queue_lifecycle(now=now)
    lifecycle.queue_campaign_message(campaign_id=running.pk, now=now)
    # A few sends in each state a page shows (the demo's email goes nowhere).
    sends = list(MessageSend.objects.order_by("pk")[:5])
    states = ["sent", "sent", "failed", "skipped", "claimed"]
    for send, status in zip(sends, states, strict=False):
        send.status, send.attempts = status, 1 if status != "failed" else 3
        send.sent_at = now if status == "sent" else None
        send.claimed_at = now
        send.error = "the mail server is down" if status == "failed" else ""
        send.save(update_fields=["status", "attempts", "sent_at", "claimed_at", "error"])
