"""Cell values of a purchase file: amounts (with a currency code or sign), dates, emails."""

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from loyalty.errors import ApplicationError
from members.validation import check_email, email_key

from .. import validation

_PLAIN = re.compile(r"\d+(?:\.\d{1,2})?")
_POINT = re.compile(r"\d+(?:\.\d+)?|\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_COMMA = re.compile(r"\d+(?:,\d+)?|\d{1,3}(?:\.\d{3})+(?:,\d+)?")
_CODE_BEFORE = re.compile(r"^([A-Za-z]{3}|[^\w\s.,+-])\s*")
_CODE_AFTER = re.compile(r"\s*([A-Za-z]{3}|[^\w\s.,+-])$")


def parse_amount(
    raw: str,
    *,
    limits: validation.Limits | None = None,
    check=None,
    decimal_comma: bool = False,
    label: str = "amount",
    allow_zero: bool = False,
) -> tuple[Decimal, str]:
    """An amount within the program's range (``rewards.validation``: ``limits``, or ``check``
    made once for many rows), and the currency code written in it, if any.

    Accepted: ``1234.50``, ``1,234.50`` (comma groups thousands), ``€12.00``, ``12.00 EUR``.
    ``12,50`` and ``1.234,50`` are refused as ambiguous unless ``decimal_comma``.
    Raises ``ValueError`` with the reason.
    """
    check = check or validation.amount_checker(label=label, limits=limits, allow_zero=allow_zero)
    text = raw.strip()
    if _PLAIN.fullmatch(text):
        return _in_range(check, Decimal(text)), ""
    if not text:
        raise ValueError(f"The {label} is empty.")
    code = ""
    for pattern in (_CODE_BEFORE, _CODE_AFTER):
        match = pattern.search(text)
        if match:
            token = match.group(1)
            if token.isalpha():
                code = token.upper()
            text = pattern.sub("", text, count=1)
    text = text.replace(" ", "").replace("\u00a0", "")
    if text.startswith(("-", "(", "\u2212")) or text.endswith(")"):
        raise ValueError(f"The {label} must not be negative: {raw.strip()!r}.")
    if decimal_comma:
        if not _COMMA.fullmatch(text):
            raise ValueError(f"{raw.strip()!r} is not an amount.")
        text = text.replace(".", "").replace(",", ".")
    elif _POINT.fullmatch(text):
        text = text.replace(",", "")
    elif _COMMA.fullmatch(text):
        raise ValueError(
            f"The {label} {raw.strip()!r} is ambiguous: a comma as decimal separator needs "
            "--decimal-comma (in the admin: 'Amounts are written 1.234,50')."
        )
    else:
        raise ValueError(f"{raw.strip()!r} is not an amount.")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{raw.strip()!r} is not an amount.") from None
    return _in_range(check, amount), code


def _in_range(check, value):
    try:
        return check(value)
    except ApplicationError as exc:
        raise ValueError(exc.message) from None


_SPACED_OFFSET = re.compile(r"\s+([+-]\d{2}:?\d{2})$")


def parse_when(
    raw, *, tz, now: datetime, limits: validation.Limits | None = None, check=None
) -> datetime:
    """An aware date-time from ISO 8601; without a zone it is in ``tz`` (the program's).

    A date alone means midnight in ``tz``; it must be within the program's range
    (``rewards.validation``). Raises ``ValueError`` with the reason.
    """
    if isinstance(raw, datetime):  # from a spreadsheet cell
        moment = raw
    elif isinstance(raw, date):
        moment = datetime(raw.year, raw.month, raw.day, tzinfo=tz)
    else:
        text = (raw or "").strip()
        if not text:
            raise ValueError("The purchase date is empty.")
        try:
            try:
                moment = datetime.fromisoformat(text)
            except ValueError:
                moment = datetime.fromisoformat(_SPACED_OFFSET.sub(r"\1", text))
        except ValueError as exc:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", text):
                raise ValueError(f"{text!r} is an impossible date ({exc}).") from None
            raise ValueError(
                f"{text!r} is not an ISO 8601 date (expected YYYY-MM-DD[ HH:MM[:SS]][+HH:MM])."
            ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    check = check or validation.moment_checker(
        field="purchased_at", label="purchase date", limits=limits, now=now
    )
    return _in_range(check, moment)


@lru_cache(maxsize=50_000)
def email_and_key(cell: str) -> tuple[str, str] | None:
    """The address as stored (``members.validation.check_email``: internationalised ones
    accepted) and its matching key (IDNA domain), or None if it is not an address."""
    try:
        email = check_email(cell)
    except ApplicationError:
        return None
    return email, email_key(email)


# ---------------------------------------------------------------- reading
