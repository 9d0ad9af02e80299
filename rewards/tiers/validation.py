"""The range of a tier's threshold, which depends on its measure (within the program's limits)."""

from decimal import Decimal

from loyalty.errors import ApplicationError
from members.models import Tier

from .. import validation


def check_threshold(threshold: Decimal, *, measure: str) -> None:
    """A spend threshold is an amount (a year's spend: not bound by one purchase); points
    and orders are whole numbers, points within the most points at once."""
    if measure == Tier.Measure.SPEND:
        validation.check_amount(
            threshold,
            field="threshold",
            label="threshold",
            limits=validation.COMPUTED,
            allow_zero=True,
        )
    elif threshold != threshold.to_integral_value():
        raise ApplicationError("The threshold must be a whole number.", field="threshold")
    elif measure == Tier.Measure.POINTS:
        validation.check_points(
            int(threshold), field="threshold", label="threshold", allow_zero=True
        )
    else:
        validation.check_count(
            int(threshold), field="threshold", label="threshold", maximum=1_000_000
        )
