"""The control group: which members of an audience a campaign holds out, drawn by a seed."""

import random
from decimal import ROUND_HALF_UP, Decimal


def held_out_count(size: int, share: Decimal) -> int:
    return int((Decimal(size) * Decimal(share)).to_integral_value(rounding=ROUND_HALF_UP))


def draw(member_ids: list[int], *, share: Decimal, seed: int) -> set[int]:
    """Exactly ``round(size x share)`` members, a uniform sample that only the seed decides.

    The ids are sorted first, so the same audience and seed always hold out the same
    members, whatever order the database returned them in; a sample (not a coin toss per
    member) makes the split exact, so the two groups are as planned even when small.
    """
    ordered = sorted(member_ids)
    return set(random.Random(seed).sample(ordered, held_out_count(len(ordered), share)))
