"""Sending queued messages: claim the row (committed), send, mark it sent.

A row moves queued -> claimed -> sent, each step committed on its own, so a message is
sent at most once per (member, kind, event), whatever happens to the worker:

- the mail server refuses it (an exception): the row goes back to the queue, and after
  three attempts it is marked failed;
- the worker dies after the claim (killed, out of memory, the machine stops): the row
  stays *claimed* and is never sent again, because nobody can tell whether the email
  left; the next run goes on with the rest of the queue (resume after a crash).

Batches keep memory flat; ``MESSAGES_PER_SECOND`` spaces the sends (0: as fast as the
backend takes them).
"""

import logging
import time
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from members.models import Member
from rewards.messaging import member_language
from rewards.models import LedgerEntry, Program, Reward

from . import mail, texts, unsubscribe
from .lifecycle import EARNINGS
from .models import Campaign, MessageKind, MessageSend

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3


def claim(send_id: int, now: datetime) -> bool:
    """Take the row for this worker; False if another worker (or an earlier run) has it."""
    with transaction.atomic():
        return bool(
            MessageSend.objects.filter(pk=send_id, status=MessageSend.Status.QUEUED).update(
                status=MessageSend.Status.CLAIMED, claimed_at=now, attempts=F("attempts") + 1
            )
        )


def language_of(member: Member) -> str:
    """The member's language (their choice in the portal, else the site's), as ``de``."""
    return member_language(member).split("-")[0]


def context_for(send: MessageSend, member: Member, program: Program) -> dict:
    ctx = {
        "name": member.first_name or member.email,
        "member": member,
        "program": program.name,
        "balance": member.points_balance,
        "unsubscribe_url": unsubscribe.url_for(member.pk),
    }
    kind, key = send.kind, send.event_key
    if kind == MessageKind.POINTS_EARNED:
        day = key.split(":", 1)[1]
        entries = LedgerEntry.objects.filter(
            member=member, kind__in=EARNINGS, effective_at__date=day
        ).values_list("points", "pending_points")
        ctx |= {"day": day, "points": sum(p + q for p, q in entries)}
    elif kind == MessageKind.REWARD_IN_REACH:
        _, reward_id, cost = key.split(":")
        reward = Reward.objects.filter(pk=reward_id).first()
        ctx |= {"reward": reward.name if reward else "a reward",
                "missing": max(int(cost) - member.points_balance, 0)}  # fmt: skip
    elif kind == MessageKind.TIER_REACHED:
        ctx["tier"] = member.tier.name if member.tier_id else ""
    elif kind == MessageKind.WIN_BACK:
        last = member.purchases.order_by("-purchased_at").values_list("purchased_at", flat=True)
        ctx["days"] = (timezone.now() - last[0]).days if last else ""
    elif kind == MessageKind.CAMPAIGN and send.campaign_id:
        campaign = Campaign.objects.get(pk=send.campaign_id)
        ctx |= {"campaign": campaign.name, "offer": offer_text(campaign)}
    return ctx


def offer_text(campaign: Campaign) -> str:
    window = f"from {campaign.starts_at:%d %B} to {campaign.ends_at:%d %B}"
    if campaign.kind == Campaign.Kind.MULTIPLIER:
        return f"Earn {campaign.multiplier}x points on your purchases {window}."
    if campaign.kind == Campaign.Kind.BONUS:
        return f"Earn {campaign.bonus_points} bonus points on each purchase {window}."
    return campaign.name


def send_one(send: MessageSend, *, program: Program, now: datetime) -> str:
    """Claim, send and mark one message; its final status (or "taken" if not ours)."""
    if not claim(send.pk, now):
        return "taken"
    member = Member.objects.select_related("tier").get(pk=send.member_id)
    if not (member.email_offers and member.status == Member.Status.ACTIVE):
        MessageSend.objects.filter(pk=send.pk).update(status=MessageSend.Status.SKIPPED)
        return MessageSend.Status.SKIPPED
    try:
        subject, body = texts.render_text(
            *texts.template_for(send.kind, language_of(member)),
            context_for(send, member, program),
        )
        provider_id = mail.deliver(
            member=member, subject=subject, body=body, headers=unsubscribe.headers_for(member.pk)
        )
    except Exception as exc:  # the mail server or a template: the email did not leave
        log.warning("message %s to member %s not sent: %s", send.kind, member.pk, exc)
        give_up = send.attempts + 1 >= MAX_ATTEMPTS
        status = MessageSend.Status.FAILED if give_up else MessageSend.Status.QUEUED
        MessageSend.objects.filter(pk=send.pk).update(status=status, error=str(exc)[:255])
        return status
    MessageSend.objects.filter(pk=send.pk).update(
        status=MessageSend.Status.SENT, sent_at=timezone.now(), provider_id=provider_id[:200]
    )
    return MessageSend.Status.SENT


def send_queued(*, batch_size: int = 200, limit: int | None = None, now=None) -> dict[str, int]:
    """Send the queue oldest first, a batch at a time; the counts by outcome."""
    program = Program.objects.order_by("pk").first() or Program()
    rate = settings.MESSAGES_PER_SECOND
    counts: dict[str, int] = {}
    done, last_id = 0, 0
    while limit is None or done < limit:
        size = batch_size if limit is None else min(batch_size, limit - done)
        batch = list(
            MessageSend.objects.filter(status=MessageSend.Status.QUEUED, pk__gt=last_id)
            .order_by("pk")
            .only("pk", "member_id", "kind", "event_key", "campaign_id", "attempts")[:size]
        )
        if not batch:
            break
        for send in batch:
            started = time.monotonic()
            outcome = send_one(send, program=program, now=now or timezone.now())
            counts[outcome] = counts.get(outcome, 0) + 1
            if rate:
                time.sleep(max(0.0, 1 / rate - (time.monotonic() - started)))
        done += len(batch)
        last_id = batch[-1].pk
    return counts
