"""What a segment's definition may say, checked in the user's words, and its SQL.

A definition is a small tree held as JSON::

    {"match": "all", "conditions": [
        {"kind": "tier", "tiers": [2, 3]},
        {"match": "any", "conditions": [
            {"kind": "last_purchase", "more_than_days": 90},
            {"kind": "expiring", "days": 30, "min_points": 100}]}]}

``match`` is ``all`` (AND) or ``any`` (OR). ``parse`` turns it into ``Group`` and
``Condition`` objects or raises ``ApplicationError``; ``to_q`` turns a parsed tree into one
``Q`` of ``Exists``/``Subquery``/column lookups on ``Member``, so a segment is evaluated by
one query, never member by member. Only active members are ever in a segment.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, Ntile
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual

from loyalty.errors import ApplicationError
from members.models import Member
from referrals.models import Referral
from rewards.models import PointLot, Purchase

MAX_DEPTH = 3
MAX_CONDITIONS = 20
MAX_DAYS = 36_600  # 100 years
MONEY = DecimalField(max_digits=16, decimal_places=2)

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
# Purchases that count: a member's, not wholly refunded.
LIVE = ~Q(status=Purchase.Status.REFUNDED)
ENDED_REFERRALS = (Referral.Status.REJECTED, Referral.Status.CANCELLED)


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


def _condition(raw: dict, where: str) -> Condition:  # noqa: C901 - one branch per kind
    kind = raw.get("kind")
    if kind not in KINDS:
        raise _fail(f"unknown condition {kind!r} (known: {', '.join(KINDS)}).", where)
    where = f"{where} ({KINDS[kind]})"
    p: dict = {}
    if kind == "tier":
        _only(raw, {"tiers", "no_tier"}, where)
        tiers = raw.get("tiers", [])
        if not isinstance(tiers, list) or not all(
            isinstance(t, int) and not isinstance(t, bool) for t in tiers
        ):
            raise _fail("tiers must be a list of tier ids.", where)
        p = {"tiers": sorted(set(tiers)), "no_tier": bool(raw.get("no_tier", False))}
        if not p["tiers"] and not p["no_tier"]:
            raise _fail("choose at least one tier (or no_tier).", where)
    elif kind == "balance":
        _only(raw, {"min", "max"}, where)
        lo, hi = _range(raw, "min", "max", where, lambda d, n, w: _opt_int(
            d, n, w, low=-100_000_000, high=100_000_000))  # fmt: skip
        if lo is None and hi is None:
            raise _fail("give min, max or both.", where)
        p = {"min": lo, "max": hi}
    elif kind == "expiring":
        _only(raw, {"days", "min_points"}, where)
        p = {
            "days": _int(raw.get("days"), "days", where, low=1),
            "min_points": _opt_int(raw, "min_points", where, low=1, high=100_000_000) or 1,
        }
    elif kind == "last_purchase":
        _only(raw, {"more_than_days", "less_than_days"}, where)
        more = _opt_int(raw, "more_than_days", where, low=1)
        less = _opt_int(raw, "less_than_days", where, low=1)
        if (more is None) == (less is None):
            raise _fail("give either more_than_days or less_than_days.", where)
        p = {"more_than_days": more, "less_than_days": less}
    elif kind == "purchases":
        _only(raw, {"days", "min_count", "max_count", "min_spend", "max_spend"}, where)
        p = {"days": _int(raw.get("days"), "days", where, low=1)}
        p["min_count"], p["max_count"] = _range(
            raw, "min_count", "max_count", where,
            lambda d, n, w: _opt_int(d, n, w, high=10_000_000))  # fmt: skip
        p["min_spend"], p["max_spend"] = _range(raw, "min_spend", "max_spend", where, _money)
        if all(p[k] is None for k in ("min_count", "max_count", "min_spend", "max_spend")):
            raise _fail("give a count or a spend to compare with.", where)
    elif kind == "rfm":
        _only(raw, {"days", "recency", "frequency", "monetary"}, where)
        p = {"days": _int(raw.get("days"), "days", where, low=1)}
        for name in ("recency", "frequency", "monetary"):
            p[name] = _score(raw, name, where)
        if not any(p[name] for name in ("recency", "frequency", "monetary")):
            raise _fail("give recency, frequency or monetary scores.", where)
    elif kind == "birthday_month":
        _only(raw, {"months"}, where)
        months = raw.get("months")
        if not isinstance(months, list) or not months:
            raise _fail("months must be a list of months, 1 to 12.", where)
        p = {"months": sorted({_int(m, "a month", where, low=1, high=12) for m in months})}
    elif kind == "channel":
        _only(raw, {"channels", "days"}, where)
        codes = raw.get("channels")
        if not isinstance(codes, list) or not codes or not all(isinstance(c, str) for c in codes):
            raise _fail("channels must be a list of channel codes.", where)
        p = {"channels": sorted(set(codes)), "days": _opt_int(raw, "days", where, low=1)}
    elif kind == "enrolled":
        _only(raw, {"after", "before", "within_days"}, where)
        p = {"within_days": _opt_int(raw, "within_days", where, low=1)}
        p["after"], p["before"] = _range(raw, "after", "before", where, _date)
        if all(v is None for v in p.values()):
            raise _fail("give after, before or within_days.", where)
    elif kind == "referral":
        _only(raw, {"role"}, where)
        if raw.get("role") not in ("referred", "referrer"):
            raise _fail("role must be referred or referrer.", where)
        p = {"role": raw["role"]}
    elif kind == "consent":
        _only(raw, {"channel", "given"}, where)
        if raw.get("channel") not in ("email", "sms"):
            raise _fail("channel must be email or sms.", where)
        given = raw.get("given", True)
        if not isinstance(given, bool):
            raise _fail("given must be true or false.", where)
        p = {"channel": raw["channel"], "given": given}
    return Condition(kind=kind, params=p)


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


# --- SQL ---------------------------------------------------------------------------------


def _purchases(now: datetime, days: int | None = None):
    qs = Purchase.objects.filter(LIVE, member=OuterRef("pk"), purchased_at__lte=now)
    return qs.filter(purchased_at__gt=now - timedelta(days=days)) if days else qs


def _window_stat(now: datetime, days: int, expression, output):
    """One figure of the member's purchases in the window (0 when none), as a subquery."""
    stat = (
        _purchases(now, days).order_by().values("member").annotate(value=expression).values("value")
    )
    return Coalesce(Subquery(stat, output_field=output), Value(0), output_field=output)


def _cmp(expression, op: str, value):
    lookup = GreaterThanOrEqual if op == "gte" else LessThanOrEqual
    return lookup(expression, Value(value, output_field=expression.output_field))


NET = ExpressionWrapper(F("amount") - F("refunded_amount"), output_field=MONEY)


def rfm_scores(now: datetime, days: int):
    """Members who bought in the window with their recency/frequency/monetary scores, 1-5.

    Each score is the member's quintile (``NTILE(5)``) among those members, ordered by the
    figure then by member id, so ties always split the same way; 5 is the best (most
    recent, most purchases, most spent).
    """
    since = now - timedelta(days=days)
    per_member = (
        Purchase.objects.filter(LIVE, member__isnull=False, purchased_at__gt=since)
        .filter(purchased_at__lte=now)
        .order_by()
        .values("member_id")
        .annotate(last=Max("purchased_at"), n=Count("pk"), money=Sum(NET))
    )
    return per_member.annotate(
        recency=Window(Ntile(5), order_by=[F("last").asc(), F("member_id").asc()]),
        frequency=Window(Ntile(5), order_by=[F("n").asc(), F("member_id").asc()]),
        monetary=Window(Ntile(5), order_by=[F("money").asc(), F("member_id").asc()]),
    )


def _purchases_q(p: dict, now: datetime) -> Q:
    """Count and spend over the window. When the lower bounds leave out members with no
    purchase, the members are one GROUP BY ... HAVING over the window's purchases (what a
    hand-written query does); otherwise each member's figures are correlated subqueries
    that count a member without purchases as 0."""
    bounds = (
        ("min_count", "gte", "n"), ("max_count", "lte", "n"),
        ("min_spend", "gte", "spend"), ("max_spend", "lte", "spend"),
    )  # fmt: skip
    if (p["min_count"] or 0) > 0 or (p["min_spend"] or 0) > 0:
        since = now - timedelta(days=p["days"])
        grouped = (
            Purchase.objects.filter(LIVE, purchased_at__gt=since, purchased_at__lte=now)
            .order_by()
            .values("member_id")
            .annotate(n=Count("pk"), spend=Sum(NET))
            .filter(**{f"{name}__{op}": p[key] for key, op, name in bounds if p[key] is not None})
        )
        return Q(pk__in=grouped.values("member_id"))
    figures = {
        "n": _window_stat(now, p["days"], Count("pk"), IntegerField()),
        "spend": _window_stat(now, p["days"], Sum(NET), MONEY),
    }
    q = Q()
    for key, op, name in bounds:
        if p[key] is not None:
            q &= Q(_cmp(figures[name], op, p[key]))
    return q


def _condition_q(c: Condition, now: datetime) -> Q:  # noqa: C901 - one branch per kind
    p = c.params
    if c.kind == "tier":
        q = Q(tier_id__in=p["tiers"]) if p["tiers"] else Q(pk__in=[])
        return q | Q(tier__isnull=True) if p["no_tier"] else q
    if c.kind == "balance":
        q = Q()
        if p["min"] is not None:
            q &= Q(points_balance__gte=p["min"])
        if p["max"] is not None:
            q &= Q(points_balance__lte=p["max"])
        return q
    if c.kind == "expiring":
        soon = (
            PointLot.objects.filter(
                member=OuterRef("pk"),
                status=PointLot.Status.AVAILABLE,
                is_debt=False,
                remaining__gt=0,
                expires_at__gt=now,
                expires_at__lte=now + timedelta(days=p["days"]),
            )
            .order_by()
            .values("member")
            .annotate(total=Sum("remaining"))
            .filter(total__gte=p["min_points"])
        )
        return Q(Exists(soon))
    if c.kind == "last_purchase":
        if p["less_than_days"] is not None:
            return Q(Exists(_purchases(now, p["less_than_days"])))
        return Q(Exists(_purchases(now))) & ~Q(Exists(_purchases(now, p["more_than_days"])))
    if c.kind == "purchases":
        return _purchases_q(p, now)
    if c.kind == "rfm":
        scored = rfm_scores(now, p["days"])
        for name in ("recency", "frequency", "monetary"):
            if p[name]:
                scored = scored.filter(**{f"{name}__gte": p[name][0], f"{name}__lte": p[name][1]})
        return Q(pk__in=scored.values("member_id"))
    if c.kind == "birthday_month":
        return Q(birthday__month__in=p["months"])
    if c.kind == "channel":
        return Q(Exists(_purchases(now, p["days"]).filter(channel__code__in=p["channels"])))
    if c.kind == "enrolled":
        q = Q()
        if p["after"]:
            q &= Q(enrolled_at__date__gte=p["after"])
        if p["before"]:
            q &= Q(enrolled_at__date__lte=p["before"])
        if p["within_days"]:
            q &= Q(enrolled_at__gt=now - timedelta(days=p["within_days"]), enrolled_at__lte=now)
        return q
    if c.kind == "referral":
        referrals = Referral.objects.exclude(status__in=ENDED_REFERRALS)
        side = "referee" if p["role"] == "referred" else "referrer"
        return Q(Exists(referrals.filter(**{side: OuterRef("pk")})))
    if c.kind == "consent":
        return Q(**{f"{p['channel']}_offers": p["given"]})
    raise AssertionError(c.kind)  # parse() admits only the kinds above


def to_q(node: Group | Condition, now: datetime) -> Q:
    """One ``Q`` on ``Member`` for the whole tree."""
    if isinstance(node, Condition):
        return _condition_q(node, now)
    parts = [to_q(item, now) for item in node.items]
    combined = parts[0]
    for part in parts[1:]:
        combined = combined & part if node.match == "all" else combined | part
    return combined


def members(definition, *, now: datetime):
    """The active members the definition selects, as one queryset (not evaluated here)."""
    tree = definition if isinstance(definition, Group) else parse(definition)
    return Member.objects.filter(to_q(tree, now), status=Member.Status.ACTIVE)
