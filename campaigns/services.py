"""Writes of segments and campaigns: frozen lists, launching (audience, control group, earn
rule), moving campaigns through their states and ending them."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from loyalty.db import insert_select
from loyalty.errors import ApplicationError, not_found
from rewards.earning import audiences

from . import conditions, control, segment_query
from .models import Campaign, CampaignMember, Segment, SegmentSnapshot, SnapshotMember

BATCH = 5000


@transaction.atomic
def freeze_segment(*, segment_id: int, user=None, now: datetime | None = None) -> SegmentSnapshot:
    """The segment's members now, copied into a list by one INSERT ... SELECT."""
    segment = Segment.objects.filter(pk=segment_id).first()
    if segment is None:
        raise not_found("segment", segment_id, field="segment")
    now = now or timezone.now()
    tree = conditions.parse(segment.definition)
    snapshot = SegmentSnapshot.objects.create(
        segment=segment, taken_at=now, taken_by=user, definition=segment.definition
    )
    snapshot.member_count = insert_select(
        SnapshotMember._meta.db_table,
        ["snapshot_id", "member_id"],
        [snapshot.pk],
        segment_query.members(tree, now=now).order_by().values("pk"),
    )
    snapshot.save(update_fields=["member_count"])
    return snapshot


def _lock(campaign_id: int) -> Campaign:
    campaign = Campaign.objects.select_for_update().filter(pk=campaign_id).first()
    if campaign is None:
        raise not_found("campaign", campaign_id, field="campaign")
    return campaign


def _audience(campaign: Campaign, *, user, now: datetime) -> SegmentSnapshot:
    """The list the campaign is aimed at: one frozen beforehand, or the segment as of now."""
    if campaign.snapshot_id:
        if campaign.snapshot.segment_id != campaign.segment_id:
            raise ApplicationError(
                "The frozen list is of another segment than the campaign's.", field="snapshot"
            )
        return campaign.snapshot
    return freeze_segment(segment_id=campaign.segment_id, user=user, now=now)


def _record_audience(campaign: Campaign, snapshot: SegmentSnapshot) -> tuple[int, int]:
    ids = list(SnapshotMember.objects.filter(snapshot=snapshot).values_list("member_id", flat=True))
    held = control.draw(ids, share=campaign.control_share, seed=campaign.seed)
    rows = [CampaignMember(campaign=campaign, member_id=pk, held_out=pk in held) for pk in ids]
    CampaignMember.objects.bulk_create(rows, batch_size=BATCH)
    return len(ids) - len(held), len(held)


@transaction.atomic
def launch_campaign(*, campaign_id: int, user, now: datetime | None = None) -> Campaign:
    """Freeze the audience, draw the control group, and schedule (or start) the campaign.

    Only a draft launches, once: launching records who did it. The members held out are
    kept with the campaign (``CampaignMember.held_out``), so that its report compares the
    same two groups for ever.
    """
    now = now or timezone.now()
    campaign = _lock(campaign_id)
    if campaign.status != Campaign.Status.DRAFT:
        raise ApplicationError(
            f"Only a draft can be launched; this campaign is {campaign.get_status_display()}.",
            code="not_draft",
        )
    if campaign.ends_at <= now:
        raise ApplicationError("The campaign's window is already over.", field="ends_at")
    snapshot = _audience(campaign, user=user, now=now)
    targeted, _held = _record_audience(campaign, snapshot)
    if targeted == 0:
        raise ApplicationError("The segment has no member to target.", field="segment")
    if campaign.kind != Campaign.Kind.MESSAGE:
        campaign.earn_rule = audiences.create_audience_rule(
            name=f"Campaign: {campaign.name}",
            kind=campaign.kind,
            multiplier=campaign.multiplier,
            bonus_points=campaign.bonus_points if campaign.kind == Campaign.Kind.BONUS else 0,
            starts_at=campaign.starts_at,
            ends_at=campaign.ends_at,
            channel=campaign.channel,
            min_order_amount=campaign.min_order_amount,
            budget_points=campaign.budget_points,
            members=CampaignMember.objects.filter(campaign=campaign, held_out=False)
            .order_by()
            .values("member_id"),
        )
    campaign.snapshot = snapshot
    campaign.status = (
        Campaign.Status.RUNNING if campaign.starts_at <= now else Campaign.Status.SCHEDULED
    )
    campaign.launched_by, campaign.launched_at = user, now
    campaign.save(update_fields=["snapshot", "earn_rule", "status", "launched_by", "launched_at"])
    return campaign


@transaction.atomic
def end_campaign(*, campaign_id: int, now: datetime | None = None) -> Campaign:
    """End a campaign now (its window may not be over): it awards nothing more."""
    now = now or timezone.now()
    campaign = _lock(campaign_id)
    if campaign.status == Campaign.Status.DRAFT:
        raise ApplicationError("A draft has not been launched: delete it instead.")
    if campaign.status != Campaign.Status.ENDED:
        campaign.status, campaign.ended_at = Campaign.Status.ENDED, now
        campaign.save(update_fields=["status", "ended_at"])
        if campaign.earn_rule_id:
            audiences.end_rule(rule_id=campaign.earn_rule_id)
    return campaign


def advance_campaigns(*, now: datetime | None = None) -> dict:
    """Start the scheduled campaigns whose window has begun; end those whose window is over."""
    now = now or timezone.now()
    started = Campaign.objects.filter(
        status=Campaign.Status.SCHEDULED, starts_at__lte=now, ends_at__gt=now
    ).update(status=Campaign.Status.RUNNING)
    ended = Campaign.objects.filter(
        status__in=[Campaign.Status.SCHEDULED, Campaign.Status.RUNNING], ends_at__lte=now
    ).update(status=Campaign.Status.ENDED, ended_at=now)
    return {"started": started, "ended": ended}
