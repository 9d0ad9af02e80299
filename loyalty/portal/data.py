"""The member's own data, downloaded from the profile page (the right of access).

Everything the program holds about the member, in one JSON file: the profile and
consents, purchases with their lines and refunds, the points history, redemptions,
actions, tier changes and referrals. Staff-only notes (an adjustment's internal reason)
and other people's data (a referred friend's email) are left out.
"""

from django.core.serializers.json import DjangoJSONEncoder
from django.http import JsonResponse
from django.utils import timezone

from members.models import Member, TierChange
from referrals.models import Referral
from rewards.models import LedgerEntry, MemberAction, Purchase, Redemption

from .access import portal_page


def profile(member: Member) -> dict:
    return {
        "email": member.email,
        "first_name": member.first_name,
        "last_name": member.last_name,
        "birthday": member.birthday,
        "external_customer_id": member.external_id,
        "status": member.status,
        "enrolled_at": member.enrolled_at,
        "card_code": member.card_code,
        "offers_by_email": member.email_offers,
        "offers_by_text_message": member.sms_offers,
        "mobile_phone": member.phone,
        "language": member.language,
        "tier": member.tier.name if member.tier else None,
    }


def purchases(member: Member) -> list[dict]:
    rows = (
        Purchase.objects.filter(member=member)
        .select_related("channel")
        .prefetch_related("lines", "refunds")
        .order_by("purchased_at", "pk")
    )
    return [
        {
            "order_id": p.order_id,
            "channel": p.channel.name,
            "purchased_at": p.purchased_at,
            "amount": p.amount,
            "currency": p.currency,
            "shipping": p.shipping_amount,
            "tax": p.tax_amount,
            "refunded": p.refunded_amount,
            "points_earned": p.points_earned,
            "status": p.status,
            "lines": [
                {
                    "sku": ln.sku,
                    "category": ln.category,
                    "quantity": ln.quantity,
                    "amount": ln.amount,
                }
                for ln in p.lines.all()
            ],
            "refunds": [
                {"at": r.created_at, "amount": r.amount, "points_reversed": r.points_reversed}
                for r in p.refunds.all()
            ],
        }
        for p in rows
    ]


def points_history(member: Member) -> list[dict]:
    rows = LedgerEntry.objects.filter(member=member).order_by("effective_at", "pk")
    fields = ("effective_at", "kind", "points", "pending_points", "description")
    return list(rows.values(*fields))


def redemptions(member: Member) -> list[dict]:
    rows = Redemption.objects.filter(member=member).order_by("created_at", "pk")
    fields = ("code", "reward__name", "points", "value", "currency", "status")
    return list(rows.values(*fields, "cause", "created_at", "used_at", "cancelled_at"))


def activity(member: Member) -> dict:
    actions = MemberAction.objects.filter(member=member).order_by("occurred_at", "pk")
    changes = TierChange.objects.filter(member=member).order_by("created_at", "pk")
    return {
        "actions": list(actions.values("occurred_at", "rule__name", "reference")),
        "tier_changes": list(changes.values("created_at", "from_tier__name", "to_tier__name")),
    }


def referrals(member: Member) -> dict:
    """The friends the member invited (not who they are: their data is theirs) and who
    invited the member."""
    fields = ("created_at", "status", "qualified_at", "rewarded_at")
    invited = Referral.objects.filter(referrer=member).order_by("created_at", "pk")
    invited_by = Referral.objects.filter(referee=member).values(*fields, "referee_points")
    return {
        "friends_invited": list(invited.values(*fields, "referrer_points")),
        "invited_by_a_friend": invited_by.first(),
    }


@portal_page
def download(request, member):
    data = {
        "exported_at": timezone.now(),
        "profile": profile(member),
        "purchases": purchases(member),
        "points_history": points_history(member),
        "redemptions": redemptions(member),
        **activity(member),
        "referrals": referrals(member),
    }
    response = JsonResponse(data, encoder=DjangoJSONEncoder, json_dumps_params={"indent": 2})
    response["Content-Disposition"] = 'attachment; filename="my-loyalty-data.json"'
    return response
