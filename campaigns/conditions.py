"""What a segment's definition may say, checked in the user's words.

A definition is a small tree held as JSON::

    {"match": "all", "conditions": [
        {"kind": "tier", "tiers": [2, 3]},
        {"match": "any", "conditions": [
            {"kind": "last_purchase", "more_than_days": 90},
            {"kind": "expiring", "days": 30, "min_points": 100}]}]}

``match`` is ``all`` (AND) or ``any`` (OR). ``parse`` turns it into ``Group`` and
``Condition`` objects or raises ``ApplicationError``; ``segment_query`` turns the parsed
tree into SQL.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from loyalty.errors import ApplicationError

MAX_DEPTH = 3
MAX_CONDITIONS = 20
MAX_DAYS = 36_600  # 100 years

KINDS = {
    "tier": "tier",
    "balance": "points balance",
    "expiring": "points expiring",
    "last_purchase": "last purchase",
    "purchases": "purchases over a window",
    "rfm": "RFM scores",
    "birthday_month": "birthday month",
    "channel": "channel used",
    "enrolled": "enrolment date",
    "referral": "referrals",
    "consent": "consent",
}


@dataclass(frozen=True)
class Condition:
    kind: str
    params: dict


@dataclass(frozen=True)
class Group:
    match: str  # "all" or "any"
    items: tuple = field(default_factory=tuple)  # Condition | Group


def _fail(message: str, where: str) -> ApplicationError:
    return ApplicationError(f"{where}: {message}" if where else message, field="definition")


def _int(raw, name: str, where: str, *, low: int = 0, high: int = MAX_DAYS) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise _fail(f"{name} must be a whole number.", where)
    if not low <= raw <= high:
        raise _fail(f"{name} must be from {low:,} to {high:,}.", where)
    return raw


def _opt_int(params: dict, name: str, where: str, **bounds) -> int | None:
    raw = params.get(name)
    return None if raw is None else _int(raw, name, where, **bounds)


def _money(params: dict, name: str, where: str) -> Decimal | None:
    raw = params.get(name)
    if raw is None:
        return None
    try:
        value = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        raise _fail(f"{name} must be an amount such as 25.00.", where) from None
    if not value.is_finite() or value < 0 or value > Decimal("99999999.99"):
        raise _fail(f"{name} must be an amount from 0 to 99,999,999.99.", where)
    return value.quantize(Decimal("0.01"))


def _date(params: dict, name: str, where: str) -> date | None:
    raw = params.get(name)
    if raw is None:
        return None
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        raise _fail(f"{name} must be a date written YYYY-MM-DD.", where) from None


def _range(params: dict, low: str, high: str, where: str, check) -> tuple:
    lo, hi = check(params, low, where), check(params, high, where)
    if lo is not None and hi is not None and lo > hi:
        raise _fail(f"{low} cannot be above {high}.", where)
    return lo, hi


def _only(params: dict, allowed: set[str], where: str) -> None:
    unknown = sorted(set(params) - allowed - {"kind"})
    if unknown:
        raise _fail(f"unknown setting {', '.join(unknown)}.", where)


def _score(params: dict, name: str, where: str) -> tuple[int, int] | None:
    raw = params.get(name)
    if raw is None:
        return None
    if not isinstance(raw, list) or len(raw) != 2:
        raise _fail(f"{name} must be a pair of scores such as [4, 5].", where)
    lo, hi = (_int(x, name, where, low=1, high=5) for x in raw)
    if lo > hi:
        raise _fail(f"{name}: the lower score cannot be above the higher one.", where)
    return lo, hi


# --- One check per kind: each takes the raw condition and the place it is at (for messages)
# and returns the condition's parameters.


def _tier(raw: dict, where: str) -> dict:
    _only(raw, {"tiers", "no_tier"}, where)
    tiers = raw.get("tiers", [])
    if not isinstance(tiers, list) or not all(
        isinstance(t, int) and not isinstance(t, bool) for t in tiers
    ):
        raise _fail("tiers must be a list of tier ids.", where)
    p = {"tiers": sorted(set(tiers)), "no_tier": bool(raw.get("no_tier", False))}
    if not p["tiers"] and not p["no_tier"]:
        raise _fail("choose at least one tier (or no_tier).", where)
    return p


def _balance(raw: dict, where: str) -> dict:
    _only(raw, {"min", "max"}, where)
    lo, hi = _range(raw, "min", "max", where, lambda d, n, w: _opt_int(
        d, n, w, low=-100_000_000, high=100_000_000))  # fmt: skip
    if lo is None and hi is None:
        raise _fail("give min, max or both.", where)
    return {"min": lo, "max": hi}


def _expiring(raw: dict, where: str) -> dict:
    _only(raw, {"days", "min_points"}, where)
    return {
        "days": _int(raw.get("days"), "days", where, low=1),
        "min_points": _opt_int(raw, "min_points", where, low=1, high=100_000_000) or 1,
    }


def _last_purchase(raw: dict, where: str) -> dict:
    _only(raw, {"more_than_days", "less_than_days"}, where)
    more = _opt_int(raw, "more_than_days", where, low=1)
    less = _opt_int(raw, "less_than_days", where, low=1)
    if (more is None) == (less is None):
        raise _fail("give either more_than_days or less_than_days.", where)
    return {"more_than_days": more, "less_than_days": less}


def _purchases(raw: dict, where: str) -> dict:
    _only(raw, {"days", "min_count", "max_count", "min_spend", "max_spend"}, where)
    p = {"days": _int(raw.get("days"), "days", where, low=1)}
    p["min_count"], p["max_count"] = _range(
        raw, "min_count", "max_count", where,
        lambda d, n, w: _opt_int(d, n, w, high=10_000_000))  # fmt: skip
    p["min_spend"], p["max_spend"] = _range(raw, "min_spend", "max_spend", where, _money)
    if all(p[k] is None for k in ("min_count", "max_count", "min_spend", "max_spend")):
        raise _fail("give a count or a spend to compare with.", where)
    return p


def _rfm(raw: dict, where: str) -> dict:
    _only(raw, {"days", "recency", "frequency", "monetary"}, where)
    p = {"days": _int(raw.get("days"), "days", where, low=1)}
    for name in ("recency", "frequency", "monetary"):
        p[name] = _score(raw, name, where)
    if not any(p[name] for name in ("recency", "frequency", "monetary")):
        raise _fail("give recency, frequency or monetary scores.", where)
    return p


def _birthday_month(raw: dict, where: str) -> dict:
    _only(raw, {"months"}, where)
    months = raw.get("months")
    if not isinstance(months, list) or not months:
        raise _fail("months must be a list of months, 1 to 12.", where)
    return {"months": sorted({_int(m, "a month", where, low=1, high=12) for m in months})}


def _channel(raw: dict, where: str) -> dict:
    _only(raw, {"channels", "days"}, where)
    codes = raw.get("channels")
    if not isinstance(codes, list) or not codes or not all(isinstance(c, str) for c in codes):
        raise _fail("channels must be a list of channel codes.", where)
    return {"channels": sorted(set(codes)), "days": _opt_int(raw, "days", where, low=1)}


def _enrolled(raw: dict, where: str) -> dict:
    _only(raw, {"after", "before", "within_days"}, where)
    p = {"within_days": _opt_int(raw, "within_days", where, low=1)}
    p["after"], p["before"] = _range(raw, "after", "before", where, _date)
    if all(v is None for v in p.values()):
        raise _fail("give after, before or within_days.", where)
    return p


def _referral(raw: dict, where: str) -> dict:
    _only(raw, {"role"}, where)
    if raw.get("role") not in ("referred", "referrer"):
        raise _fail("role must be referred or referrer.", where)
    return {"role": raw["role"]}


def _consent(raw: dict, where: str) -> dict:
    _only(raw, {"channel", "given"}, where)
    if raw.get("channel") not in ("email", "sms"):
        raise _fail("channel must be email or sms.", where)
    given = raw.get("given", True)
    if not isinstance(given, bool):
        raise _fail("given must be true or false.", where)
    return {"channel": raw["channel"], "given": given}


_PARAMS = {
    "tier": _tier,
    "balance": _balance,
    "expiring": _expiring,
    "last_purchase": _last_purchase,
    "purchases": _purchases,
    "rfm": _rfm,
    "birthday_month": _birthday_month,
    "channel": _channel,
    "enrolled": _enrolled,
    "referral": _referral,
    "consent": _consent,
}
assert _PARAMS.keys() == KINDS.keys()


def _condition(raw: dict, where: str) -> Condition:
    kind = raw.get("kind")
    if kind not in KINDS:
        raise _fail(f"unknown condition {kind!r} (known: {', '.join(KINDS)}).", where)
    return Condition(kind=kind, params=_PARAMS[kind](raw, f"{where} ({KINDS[kind]})"))


def parse(definition, *, _where: str = "", _depth: int = 1, _count: list | None = None) -> Group:
    """The definition as a tree, or ``ApplicationError`` saying what is wrong and where."""
    count = _count if _count is not None else [0]
    if not isinstance(definition, dict):
        raise _fail("a group must be an object with match and conditions.", _where)
    if definition.get("match", "all") not in ("all", "any"):
        raise _fail("match must be all or any.", _where)
    if _depth > MAX_DEPTH:
        raise _fail(f"groups can be nested at most {MAX_DEPTH} deep.", _where)
    _only(definition, {"match", "conditions"}, _where)
    raw_items = definition.get("conditions")
    if not isinstance(raw_items, list) or not raw_items:
        raise _fail("a group needs at least one condition.", _where)
    items = []
    for index, raw in enumerate(raw_items, start=1):
        where = f"{_where} › {index}" if _where else f"condition {index}"
        if not isinstance(raw, dict):
            raise _fail("a condition must be an object with a kind.", where)
        if "conditions" in raw:
            items.append(parse(raw, _where=where, _depth=_depth + 1, _count=count))
        else:
            count[0] += 1
            if count[0] > MAX_CONDITIONS:
                raise _fail(f"a segment can have at most {MAX_CONDITIONS} conditions.", "")
            items.append(_condition(raw, where))
    return Group(match=definition.get("match", "all"), items=tuple(items))
