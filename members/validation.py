"""Checks of members' data (birthday, the order of tiers) shared by the admin, portal and API."""

import re
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.errors import ApplicationError

OLDEST_AGE_YEARS = 120


def check_birthday(value, *, today: date | None = None, field: str = "birthday") -> date:
    """A birthday in the past, of someone at most 120 years old."""
    if value is None:
        return None
    if not isinstance(value, date):
        raise ApplicationError("The birthday must be a date.", field=field)
    today = today or timezone.localdate()
    if value >= today:
        raise ApplicationError(_("The birthday must be in the past."), field=field)
    if today.year - value.year > OLDEST_AGE_YEARS:
        raise ApplicationError(
            f"The birthday cannot be more than {OLDEST_AGE_YEARS} years ago.", field=field
        )
    return value


def _measured(tier, value) -> str:
    """500 points, 500.00 spent, 5 orders: a threshold in the tier's own measure."""
    if tier.measure == "spend":
        return f"{value:,.2f} spent"
    unit = "orders" if tier.measure == "orders" else "points"
    return f"{int(value):,} {unit}"


def check_tier_order(tier, others: list) -> None:
    """Thresholds rise with rank: the highest rank a member qualifies for wins, so a higher
    tier reached sooner than a lower one would skip members past it (or drop them from it).

    ``others``: the other qualifying (not paid) tiers of the same measure.
    """
    below = [t for t in others if t.rank < tier.rank]
    above = [t for t in others if t.rank > tier.rank]
    lower = max(below, key=lambda t: t.threshold, default=None)
    higher = min(above, key=lambda t: t.threshold, default=None)
    if lower is not None and tier.threshold <= lower.threshold:
        raise ApplicationError(
            f"{tier.name} (rank {tier.rank}) needs a threshold above {lower.name}'s "
            f"{_measured(lower, lower.threshold)}.",
            code="tier_order",
            field="threshold",
        )
    if higher is not None and tier.threshold >= higher.threshold:
        raise ApplicationError(
            f"{tier.name} (rank {tier.rank}) needs a threshold below {higher.name}'s "
            f"{_measured(higher, higher.threshold)}.",
            code="tier_order",
            field="threshold",
        )


PHONE_SEPARATORS = re.compile(r"[\s().\-/]")
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


def check_phone(value: str | None, *, field: str = "phone") -> str:
    """A mobile number in E.164 (``+4915112345678``), or empty.

    Spaces, dots, dashes, slashes and brackets people type are dropped, and a leading
    ``00`` becomes ``+``; what is left must be ``+``, a country code and the number,
    at most 15 digits. A number without its country code is refused rather than guessed.
    """
    text = PHONE_SEPARATORS.sub("", value or "")
    if not text:
        return ""
    if text.startswith("00"):
        text = "+" + text[2:]
    if not text.startswith("+"):
        raise ApplicationError(
            _("Start the phone number with + and the country code, e.g. +49 151 12345678."),
            field=field,
        )
    if not E164.match(text):
        raise ApplicationError(
            _("This is not a valid phone number: + and the country code, then 6 to 14 digits."),
            field=field,
        )
    return text
