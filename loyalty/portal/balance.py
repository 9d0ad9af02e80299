"""The points a portal page shows as spendable."""

from members.models import Member
from rewards.ledger import spendable_points


def spendable(member: Member) -> int:
    # A debt shows as a negative balance; otherwise lots past their expiry do not count.
    return min(member.points_balance, spendable_points(member))
