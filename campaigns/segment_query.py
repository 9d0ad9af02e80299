"""A parsed segment definition as SQL: one ``Q`` on ``Member`` for the whole tree.

``to_q`` turns a tree from ``conditions.parse`` into one ``Q`` of ``Exists``/``Subquery``/
column lookups on ``Member``, so a segment is evaluated by one query, never member by
member. Only active members are ever in a segment.
"""

from datetime import datetime, timedelta

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

from members.models import Member
from referrals.models import Referral
from rewards.models import PointLot, Purchase

from .conditions import Condition, Group, parse

MONEY = DecimalField(max_digits=16, decimal_places=2)
# Purchases that count: a member's, not wholly refunded.
LIVE = ~Q(status=Purchase.Status.REFUNDED)
ENDED_REFERRALS = (Referral.Status.REJECTED, Referral.Status.CANCELLED)


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
