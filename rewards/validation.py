"""The program's input limits, checked the same way by services, admin, API and import.

A fat-fingered number must never reach the ledger: it is append-only, so a purchase of
9,999,999,999.99 or an adjustment of 10^18 points could never be taken back from the
product. Every amount, point count, multiplier, count and date that a person or a system
types is checked here, against limits the merchant can change (``Program``) within hard
ceilings that the database columns hold with room to sum (``HARD_MAX_*``).

Every refusal is an ``ApplicationError`` whose message is in the merchant's words
("The amount must be at most 1,000,000.00.") and whose ``field`` names the input.
Models use the same checks as field validators (``Within``), so the admin shows the same
sentence beside the field. What a purchase computes is bounded too
(``rewards.earning.rules.most_points``, ``check_purchase_ceiling``).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.utils import timezone
from django.utils.deconstruct import deconstructible

from loyalty.errors import ApplicationError

# The ceilings no merchant setting may pass: 10^8 per amount and per entry keep every
# sum over all time far inside a 64-bit integer and a 14-digit decimal column.
HARD_MAX_AMOUNT = Decimal("99999999.99")
HARD_MAX_POINTS = 100_000_000
MAX_MULTIPLIER = Decimal("100")
MAX_EARN_RATE = Decimal("100")  # points per 1.00 spent
MAX_POINT_VALUE = Decimal("100")  # a point worth more than 100.00 is a typing mistake
MAX_STOCK = 10_000_000
MAX_YEARS_AHEAD = 100  # a rule or reward may be planned ahead, not for year 9999
# A time a little in the future is a clock skew between systems, not an error.
CLOCK_SKEW = timedelta(minutes=5)
CENT = Decimal("0.01")

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
        # Made aware once per Limits (asked for every row of an import).
        moment = self.__dict__.get("_earliest_moment")
        if moment is None:
            moment = timezone.make_aware(datetime.combine(self.earliest_date, datetime.min.time()))
            self.__dict__["_earliest_moment"] = moment
        return moment


# For figures the program computes rather than a person types (a refund's reversal):
# only the hard ceilings apply.
COMPUTED = Limits(
    max_amount=HARD_MAX_AMOUNT, max_points=HARD_MAX_POINTS, earliest_date=date(1970, 1, 1)
)


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
    """1,000,000.00: an amount as a merchant reads it in a message (points: ``f"{n:,}"``)."""
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
    digits = whole + fraction
    # ASCII digits only: Decimal() would also read "١٢٣", "1e3", "NaN" and "12."
    if not digits.isascii() or not digits.isdigit() or body.endswith("."):
        raise _refuse(f"The {label} must be a number, e.g. 12.50.", field)
    return Decimal(text)  # ASCII digits and at most one point always parse


def check_amount(
    value,
    *,
    field: str,
    label: str = "amount",
    limits: Limits | None = None,
    allow_zero: bool = False,
) -> Decimal:
    """A money amount: at most 2 decimals, above zero (or zero), within the program's maximum."""
    amount = parse_decimal(value, field=field, label=label)
    return check_amount_range(
        amount, field=field, label=label, limits=limits or _current(), allow_zero=allow_zero
    )


def check_amount_range(
    amount: Decimal, *, field: str, label: str, limits: Limits, allow_zero: bool = False
) -> Decimal:
    """The range part of ``check_amount``, for a caller that parsed the text its own way
    (the import reads ``1,234.50`` and ``€12``)."""
    if amount < 0 or (amount == 0 and not allow_zero):
        least = "zero or more" if allow_zero else "more than zero"
        raise _refuse(f"The {label} must be {least}.", field, "invalid_amount")
    if amount > limits.max_amount:  # before quantize: 10^30 has no cents in 28 digits
        raise _refuse(
            f"The {label} must be at most {money_text(limits.max_amount)}.", field, "over_limit"
        )
    cents = amount.quantize(CENT)
    if amount != cents:
        raise _refuse(f"The {label} can have at most 2 decimal places.", field)
    return cents


def amount_checker(*, label: str, limits: Limits, allow_zero: bool = False):
    """``check_amount_range`` for many values with the same limits (an import's rows): one
    comparison and one rounding when in range; any other gets its refusal."""
    lowest = Decimal(0) if allow_zero else CENT

    def check(amount: Decimal) -> Decimal:
        if lowest <= amount <= limits.max_amount:
            cents = amount.quantize(CENT)
            if cents == amount:
                return cents
        return check_amount_range(
            amount, field=label, label=label, limits=limits, allow_zero=allow_zero
        )

    return check


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
        least = "zero or more" if allow_zero else "more than zero"
        raise _refuse(f"The {label} must be {least}.", field, "invalid_points")
    if value == 0 and not allow_zero:
        raise _refuse(f"The {label} cannot be zero.", field, "invalid_points")
    if abs(value) > limits.max_points:
        raise _refuse(
            f"The {label} must be at most {points_text(limits.max_points)}.", field, "over_limit"
        )
    return value


def check_count(value, *, field: str, label: str, minimum: int = 0, maximum: int) -> int:
    """A whole number of things (days, months, orders, times) from ``minimum`` to ``maximum``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise _refuse(f"The {label} must be a whole number.", field)
    if not minimum <= value <= maximum:
        raise _refuse(
            f"The {label} must be from {minimum:,} to {maximum:,}.", field, "out_of_range"
        )
    return value


def check_stock(value, *, field: str = "stock", label: str = "stock") -> int | None:
    """How many are left: empty for unlimited, else from 0 to 10,000,000."""
    if value is None:
        return None
    return check_count(value, field=field, label=label, maximum=MAX_STOCK)


def _check_decimal(value, *, field, label, low, high, places, low_included=True) -> Decimal:
    number = parse_decimal(value, field=field, label=label)
    if number < low or (number == low and not low_included) or number > high:
        least = "at least" if low_included else "more than"
        raise _refuse(f"The {label} must be {least} {low} and at most {high}.", field)
    if number != number.quantize(Decimal(1).scaleb(-places)):
        raise _refuse(f"The {label} can have at most {places} decimal places.", field)
    return number


def check_multiplier(value, *, field: str = "multiplier", label: str = "multiplier") -> Decimal:
    multiplier = parse_decimal(value, field=field, label=label)
    if multiplier < 1:
        raise _refuse(f"The {label} must be at least 1.", field)
    return _check_decimal(
        multiplier, field=field, label=label, low=1, high=MAX_MULTIPLIER, places=2
    )


def check_percent(value, *, field: str, label: str = "percentage") -> Decimal:
    """A share of a price: more than 0, at most 100, 2 decimals."""
    return _check_decimal(
        value, field=field, label=label, low=0, high=100, places=2, low_included=False
    )


def check_point_value(value, *, field: str = "point_value", label: str = "value of a point"):
    """What one point is worth when redeemed: 0 to 100.00, up to 4 decimals (0.0125)."""
    return _check_decimal(value, field=field, label=label, low=0, high=MAX_POINT_VALUE, places=4)


def check_earn_rate(
    earn_points: int, *, per: Decimal, field: str = "earn_points", label: str = ""
) -> Decimal:
    """``earn_points`` per ``per`` spent (each checked by its field): at most 100 points per
    1.00, so that the largest purchase stays within the ceiling (see the module). Returns the
    points per 1.00."""
    rate = Decimal(earn_points) / per
    if rate > MAX_EARN_RATE:
        raise _refuse(
            f"The program can give at most {MAX_EARN_RATE} points per 1.00 spent; "
            f"{earn_points:,} points per {money_text(per)} is {rate.normalize():,f} per 1.00.",
            field,
        )
    return rate


def check_moment(
    value: datetime | None,
    *,
    field: str,
    label: str = "date",
    limits: Limits | None = None,
    now: datetime | None = None,
    allow_future: bool = False,
) -> datetime:
    """When something happened (or, if allowed, will): aware, not before the earliest date,
    not in the future (or at most 100 years ahead)."""
    now = now or timezone.now()
    if value is None:
        return now
    if not isinstance(value, datetime):
        raise _refuse(f"The {label} must be a date and time.", field)
    if timezone.is_naive(value):
        raise _refuse(f"The {label} must include a time zone.", field)
    limits = limits or _current()
    latest = None if allow_future else now + CLOCK_SKEW
    return _dated(value, limits, limits.earliest_moment(), latest, now, field=field, label=label)


def moment_checker(*, field: str, label: str, limits: Limits, now: datetime):
    """``check_moment`` for many values with the same limits and clock (an import's rows):
    a value in range costs two comparisons; any other gets ``check_moment``'s refusal."""
    earliest, latest = limits.earliest_moment(), now + CLOCK_SKEW

    def check(value: datetime) -> datetime:
        if isinstance(value, datetime) and value.tzinfo and earliest <= value <= latest:
            return value
        return check_moment(value, field=field, label=label, limits=limits, now=now)

    return check


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
    today = today or timezone.localdate()
    latest = None if allow_future else today
    return _dated(value, limits, limits.earliest_date, latest, today, field=field, label=label)


def _dated(value, limits: Limits, earliest, latest, now, *, field: str, label: str):
    """Not before the earliest date, not after ``latest`` (None: any future day), never
    more than 100 years ahead."""
    if value < earliest:
        since = limits.earliest_date.isoformat()
        raise _refuse(f"The {label} cannot be before {since}.", field, "too_early")
    if latest is not None and value > latest:
        raise _refuse(f"The {label} cannot be in the future.", field, "in_future")
    if value > now + timedelta(days=365 * MAX_YEARS_AHEAD):
        ahead = f"at most {MAX_YEARS_AHEAD} years ahead"
        raise _refuse(f"The {label} is too far in the future ({ahead}).", field, "too_far")
    return value


# ---------------------------------------------------------------- what a purchase can earn


def check_purchase_ceiling(most: int, *, field: str, label: str, max_amount: Decimal) -> int:
    """``most``: what the largest purchase could earn (``rewards.earning.rules.most_points``)."""
    if most > HARD_MAX_POINTS:
        raise _refuse(
            f"With this {label}, the largest purchase ({money_text(max_amount)}) could earn "
            f"{points_text(most)} points when the highest tier and every active rule add up, "
            f"more than the {points_text(HARD_MAX_POINTS)} points one purchase may earn.",
            field,
            "over_limit",
        )
    return most


# ---------------------------------------------------------------- above the large thresholds


def large_purchase_question(amount: Decimal, limits: Limits) -> str | None:
    """What staff must confirm before recording ``amount`` (None: nothing to confirm)."""
    threshold = money_text(limits.large_amount)
    question = f"Are you sure? {money_text(amount)} is above your large-purchase threshold"
    return None if amount <= limits.large_amount else f"{question} of {threshold}."


def needs_approval(points: int, limits: Limits) -> bool:
    """An adjustment of more points than this (either way) waits for a second staff user."""
    return abs(points) > limits.large_points


# ---------------------------------------------------------------- in models and forms


_ALL = (check_amount, check_points, check_count, check_stock, check_multiplier, check_percent)
CHECKS = {f.__name__[6:]: f for f in (*_ALL, check_point_value, check_moment, check_day)}
_CEILINGS = {"points": HARD_MAX_POINTS, "stock": MAX_STOCK}


@deconstructible(path="rewards.validation.Within")
class Within(MaxValueValidator):
    """A model field's validator running a check (with the program's limits when it runs),
    so the admin shows its sentence beside the field. A ``MaxValueValidator`` at the check's
    ceiling, so that Django adds none of the column's range ("... equal to 2147483647")."""

    def __init__(self, check: str, label: str, **options):
        super().__init__(options.get("maximum") or _CEILINGS.get(check, HARD_MAX_AMOUNT))
        self.check, self.label, self.options = check, label, options

    def __call__(self, value):
        options = dict(self.options)
        if options.pop("hard", False):  # a limit of the program itself: the hard ceilings
            options["limits"] = COMPUTED
        try:
            CHECKS[self.check](value, field="", label=self.label, **options)
        except ApplicationError as exc:
            # Not the check's own code: Django swaps a message whose code the field knows
            # ("invalid") for the field's generic one.
            raise ValidationError(exc.message, code="out_of_range") from None

    def __eq__(self, other):
        mine = (self.check, self.label, self.options)
        return isinstance(other, Within) and mine == (other.check, other.label, other.options)

    def __hash__(self):
        return hash((self.check, self.label))


def _current() -> Limits:
    from .earning import config  # the settings snapshot: no query when the program has not changed

    return limits(config.current().program)
