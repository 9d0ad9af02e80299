"""What referrals do when a member's personal data is erased (``members.signals``)."""

from django.db.models import F, Value
from django.db.models.functions import Replace

from rewards.models import LedgerEntry

from .models import ReferralCode

FORMER_MEMBER = "a former member"


def on_personal_data_erased(sender, member, email: str, **kwargs) -> None:
    """The member's link refers nobody any more, and their address leaves the descriptions
    of the referral rewards written for their friends ("Referral reward: invited ...")."""
    ReferralCode.objects.filter(member=member).update(active=False)
    LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REFERRAL, description__contains=email).update(
        description=Replace(F("description"), Value(email), Value(FORMER_MEMBER))
    )
