"""The program's input limits, checked the same way by services, admin, API and import.

A fat-fingered number must never reach the ledger: it is append-only, so a purchase of
9,999,999,999.99 or an adjustment of 10^18 points could never be taken back from the
product. Every amount, point count, multiplier and date that a person or a system types
is checked here, against limits the merchant can change (``Program``) within hard
ceilings that the database columns hold with room to sum (``HARD_MAX_*``).

Every refusal is an ``ApplicationError`` whose message is in the merchant's words
("The amount must be at most 1,000,000.00.") and whose ``field`` names the input.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from loyalty.errors import ApplicationError

# The ceilings no merchant setting may pass: 10^11 amounts and 10^9 points per row keep
# every sum over all time far inside a 64-bit integer and a 14-digit decimal column.
HARD_MAX_AMOUNT = Decimal("99999999.99")
HARD_MAX_POINTS = 100_000_000
MAX_MULTIPLIER = Decimal("100")
# A time a little in the future is a clock skew between systems, not an error.
CLOCK_SKEW = timedelta(minutes=5)
CENT = Decimal("0.01")
OLDEST_AGE_YEARS = 120

DEFAULT_MAX_AMOUNT = Decimal("1000000.00")
DEFAULT_MAX_POINTS = 1_000_000
DEFAULT_EARLIEST_DATE = date(2000, 1, 1)
DEFAULT_LARGE_AMOUNT = Decimal("10000.00")
DEFAULT_LARGE_POINTS = 10_000


@dataclass(frozen=True)
class Limits:
    """What the program accepts; ``large_*`` are the thresholds that need confirmation."""

    max_amount: Decimal = DEFAULT_MAX_AMOUNT
    max_points: int = DEFAULT_MAX_POINTS
    earliest_date: date = DEFAULT_EARLIEST_DATE
    large_amount: Decimal = DEFAULT_LARGE_AMOUNT
    large_points: int = DEFAULT_LARGE_POINTS

    def earliest_moment(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.earliest_date, datetime.min.time()))


# For figures the program computes rather than a person types (a refund's reversal):
# only the hard ceilings apply.
COMPUTED = Limits(max_amount=HARD_MAX_AMOUNT, max_points=HARD_MAX_POINTS)


def limits(program=None) -> Limits:
    """The limits of ``program`` (the current program's when None)."""
    if program is None:
        from .models import Program  # the model module imports this one for its validators

        program = Program.get()
    return Limits(
        max_amount=program.max_purchase_amount,
        max_points=program.max_points_per_entry,
        earliest_date=program.earliest_date,
        large_amount=program.large_purchase_amount,
        large_points=program.large_adjustment_points,
    )


def money_text(value: Decimal) -> str:
    """1,000,000.00: an amount as a merchant reads it in a message."""
    return f"{value:,.2f}"


def points_text(value: int) -> str:
    return f"{value:,}"


def _refuse(message: str, field: str, code: str = "invalid") -> ApplicationError:
    return ApplicationError(message, code=code, field=field)


def parse_decimal(value, *, field: str, label: str) -> Decimal:
    """A decimal from a string or number written in ASCII digits (no float, no exponent)."""
    if isinstance(value, bool | float):
        raise _refuse(f"The {label} must be written as a decimal number, e.g. 12.50.", field)
    if isinstance(value, int | Decimal):
        text = str(value)
    elif isinstance(value, str):
        text = value.strip()
    else:
        raise _refuse(f"The {label} must be a number.", field)
    body = text[1:] if text[:1] in "+-" else text
    whole, _, fraction = body.partition(".")
    if not text or not (whole or fraction) or not (whole + fraction).isascii():
        raise _refuse(f"The {label} must be a number, e.g. 12.50.", field)
    if not (whole + fraction).isdigit() or (fraction == "" and body.endswith(".")):
        raise _refuse(f"The {label} must be a number, e.g. 12.50.", field)
    try:
        return Decimal(text)
    except InvalidOperation:
        raise _refuse(f"The {label} must be a number, e.g. 12.50.", field) from None


def check_amount(
    value,
    *,
    field: str,
    label: str = "amount",
    limits: Limits | None = None,
    allow_zero: bool = False,
) -> Decimal:
    """A money amount: at most 2 decimals, above zero (or zero), within the program's maximum."""
    limits = limits or _current()
    amount = parse_decimal(value, field=field, label=label)
    if amount < 0 or (amount == 0 and not allow_zero):
        least = "zero or more" if allow_zero else "more than zero"
        raise _refuse(f"The {label} must be {least}.", field, "invalid_amount")
    if amount != amount.quantize(CENT):
        raise _refuse(f"The {label} can have at most 2 decimal places.", field)
    if amount > limits.max_amount:
        raise _refuse(
            f"The {label} must be at most {money_text(limits.max_amount)}.", field, "over_limit"
        )
    return amount.quantize(CENT)


def check_points(
    value,
    *,
    field: str = "points",
    label: str = "number of points",
    limits: Limits | None = None,
    allow_negative: bool = False,
    allow_zero: bool = False,
) -> int:
    """A whole number of points, non-zero (unless allowed), within the program's maximum."""
    limits = limits or _current()
    if isinstance(value, bool) or not isinstance(value, int):
        raise _refuse(f"The {label} must be a whole number.", field)
    if value < 0 and not allow_negative:
        raise _refuse(f"The {label} must be more than zero.", field, "invalid_points")
    if value == 0 and not allow_zero:
        raise _refuse(f"The {label} cannot be zero.", field, "invalid_points")
    if abs(value) > limits.max_points:
        raise _refuse(
            f"The {label} must be at most {points_text(limits.max_points)}.", field, "over_limit"
        )
    return value


def check_multiplier(value, *, field: str = "multiplier", label: str = "multiplier") -> Decimal:
    multiplier = parse_decimal(value, field=field, label=label)
    if multiplier < 1:
        raise _refuse(f"The {label} must be at least 1.", field)
    if multiplier > MAX_MULTIPLIER:
        raise _refuse(f"The {label} must be at most {MAX_MULTIPLIER}.", field)
    if multiplier != multiplier.quantize(CENT):
        raise _refuse(f"The {label} can have at most 2 decimal places.", field)
    return multiplier


def check_moment(
    value: datetime | None,
    *,
    field: str,
    label: str = "date",
    limits: Limits | None = None,
    now: datetime | None = None,
) -> datetime:
    """When something happened: aware, not before the earliest date, not in the future."""
    now = now or timezone.now()
    if value is None:
        return now
    if not isinstance(value, datetime):
        raise _refuse(f"The {label} must be a date and time.", field)
    if timezone.is_naive(value):
        raise _refuse(f"The {label} must include a time zone.", field)
    limits = limits or _current()
    if value < limits.earliest_moment():
        raise _refuse(
            f"The {label} cannot be before {limits.earliest_date.isoformat()}.", field, "too_early"
        )
    if value > now + CLOCK_SKEW:
        raise _refuse(f"The {label} cannot be in the future.", field, "in_future")
    return value


def check_day(
    value: date,
    *,
    field: str,
    label: str = "date",
    limits: Limits | None = None,
    today: date | None = None,
    allow_future: bool = False,
) -> date:
    """A calendar day between the earliest date and today (or any later day if allowed)."""
    if isinstance(value, datetime) or not isinstance(value, date):
        raise _refuse(f"The {label} must be a date.", field)
    limits = limits or _current()
    if value < limits.earliest_date:
        raise _refuse(
            f"The {label} cannot be before {limits.earliest_date.isoformat()}.", field, "too_early"
        )
    today = today or timezone.localdate()
    if not allow_future and value > today:
        raise _refuse(f"The {label} cannot be in the future.", field, "in_future")
    if value.year > 9000:
        raise _refuse(f"The {label} is too far in the future.", field)
    return value


def _current() -> Limits:
    from . import config  # the settings snapshot: no query when the program has not changed

    return limits(config.current().program)
