"""Checks of members' data (email, birthday, the order of tiers) shared by every surface."""

import contextlib
import re
import unicodedata
from datetime import date

import idna
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.errors import ApplicationError

OLDEST_AGE_YEARS = 120
EMAIL_MAX = 254


def _ascii_domain(domain: str) -> str:
    """The domain in IDNA (punycode) form, lower-case; ``idna.IDNAError`` if it has none."""
    if domain.isascii():
        labels = domain.lower().split(".")
        if any(label.startswith("xn--") for label in labels):
            idna.decode(domain)  # a punycode label must decode to a valid name
        return domain.lower()
    return idna.encode(domain, uts46=True).decode("ascii")


def check_email(value, *, field: str = "email") -> str:
    """An email address, internationalised ones included (RFC 6531: ``josé@exämple.de``,
    ``用户@例子.广告``), returned as given but trimmed and lower-cased (addresses are
    matched in any case). Raises ``ApplicationError`` in the user's words.

    The mailbox name may hold any letters; the domain must have an IDNA form. The
    ASCII rules (dot-atom, lengths, labels) are Django's, applied to that form.
    """
    text = (value or "").strip().lower() if isinstance(value, str) else ""
    local, at, domain = text.rpartition("@")
    invalid = ApplicationError(
        f"{text!r} is not a valid email address." if text else "The email address is empty.",
        code="invalid_email",
        field=field,
    )
    if not (at and local and domain) or len(text) > EMAIL_MAX or len(local.encode()) > 64:
        raise invalid
    # Letters beyond ASCII stand for an ASCII letter; spaces, controls and invisible
    # characters are refused.
    if any(unicodedata.category(c)[0] in "CZ" for c in local if not c.isascii()):
        raise invalid
    stand_in = "".join(c if c.isascii() else "a" for c in local)
    try:
        validate_email(f"{stand_in}@{_ascii_domain(domain)}")
    except (ValidationError, idna.IDNAError, UnicodeError):
        raise invalid from None
    return text


def email_key(value: str) -> str:
    """The form in which two addresses are the same mailbox: lower-case, IDNA domain.

    ``JOSÉ@EXÄMPLE.DE`` and ``josé@xn--exmple-cua.de`` have the same key.
    """
    local, _, domain = (value or "").strip().lower().rpartition("@")
    try:
        return f"{local}@{_ascii_domain(domain)}"
    except (idna.IDNAError, UnicodeError):
        return f"{local}@{domain}"


def email_forms(value: str) -> list[str]:
    """The ways one address can be stored (domain in Unicode or in punycode), for a
    look-up: stored addresses are lower-case (``check_email``)."""
    key = email_key(value)
    local, _, domain = key.rpartition("@")
    forms = {key}
    if "xn--" in domain:  # else the key is the only form
        with contextlib.suppress(idna.IDNAError, UnicodeError):
            forms.add(f"{local}@{idna.decode(domain)}")
    forms.add((value or "").strip().lower())
    return sorted(forms)


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
