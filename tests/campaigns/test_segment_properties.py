"""Property-based: on generated members and histories, a segment evaluated in SQL selects
exactly the members a plain Python evaluation of the same definition selects."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from campaigns import conditions
from campaigns.selectors import segment_members
from members.models import Member, Tier
from referrals.models import Referral, ReferralCode
from rewards.models import Channel, LedgerEntry, PointLot, Purchase

NOW = datetime.fromisoformat("2026-06-15T12:00:00+00:00")
REF_STATUSES = [s.value for s in Referral.Status]
P_STATUSES = [s.value for s in Purchase.Status]


@dataclass
class Buy:
    hours_ago: int
    amount: Decimal  # what was kept: the purchase is amount + refunded, refunded back
    refunded: Decimal
    status: str
    channel: str


@dataclass
class Lot:
    remaining: int
    expires_in_hours: int | None
    status: str
    is_debt: bool


@dataclass
class Spec:
    active: bool
    tier: int | None  # index into the two tiers
    balance: int
    birthday_month: int | None
    enrolled_hours_ago: int
    email: bool
    sms: bool
    buys: list[Buy] = field(default_factory=list)
    lots: list[Lot] = field(default_factory=list)
    referred: str | None = None  # status of the referral that brought them
    referrals: list[str] = field(default_factory=list)  # statuses of the ones they made
    pk: int = 0


money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("300"), places=2)
buys = st.builds(
    Buy,
    hours_ago=st.integers(0, 24 * 400),
    amount=money,
    refunded=st.sampled_from([Decimal("0"), Decimal("0"), Decimal("5.00")]),
    status=st.sampled_from(P_STATUSES),
    channel=st.sampled_from(["web", "store"]),
)
lots = st.builds(
    Lot,
    remaining=st.integers(0, 80),
    expires_in_hours=st.one_of(st.none(), st.integers(-24 * 10, 24 * 90)),
    status=st.sampled_from(["available", "available", "pending"]),
    is_debt=st.just(False),
)
specs = st.builds(
    Spec,
    active=st.booleans() | st.just(True),
    tier=st.sampled_from([None, 0, 1]),
    balance=st.integers(-50, 600),
    birthday_month=st.one_of(st.none(), st.integers(1, 12)),
    enrolled_hours_ago=st.integers(0, 24 * 800),
    email=st.booleans(),
    sms=st.booleans(),
    buys=st.lists(buys, max_size=4),
    lots=st.lists(lots, max_size=3),
    referred=st.one_of(st.none(), st.sampled_from(REF_STATUSES)),
    referrals=st.lists(st.sampled_from(REF_STATUSES), max_size=2),
)
days = st.integers(1, 400)
score = st.tuples(st.integers(1, 5), st.integers(1, 5)).map(lambda t: sorted(t))
leaf = st.one_of(
    st.builds(lambda t, n: {"kind": "tier", "tiers": t, "no_tier": n},
              st.lists(st.sampled_from([0, 1]), unique=True), st.booleans())
    .filter(lambda d: d["tiers"] or d["no_tier"]),
    st.builds(lambda lo, hi: {"kind": "balance", "min": lo, "max": hi},
              st.integers(-20, 300), st.none() | st.integers(300, 700)),
    st.builds(lambda d, m: {"kind": "expiring", "days": d, "min_points": m},
              st.integers(1, 60), st.integers(1, 100)),
    st.builds(lambda d: {"kind": "last_purchase", "more_than_days": d}, st.integers(1, 300)),
    st.builds(lambda d: {"kind": "last_purchase", "less_than_days": d}, days),
    st.builds(
        lambda d, c, s: {"kind": "purchases", "days": d, "min_count": c, "min_spend": s},
        days, st.none() | st.integers(0, 3), st.sampled_from(["0", "50.00", "150.5"]),
    ),
    st.builds(lambda d: {"kind": "purchases", "days": d, "max_count": 1, "max_spend": "100"}, days),
    st.builds(lambda d, r, f, m: {"kind": "rfm", "days": d, "recency": r, "frequency": f,
                                  "monetary": m}, days, score, st.none() | score, score),
    st.builds(lambda m: {"kind": "birthday_month", "months": m},
              st.lists(st.integers(1, 12), min_size=1, max_size=4)),
    st.builds(lambda c, d: {"kind": "channel", "channels": c, "days": d},
              st.lists(st.sampled_from(["web", "store", "nope"]), min_size=1, unique=True),
              st.none() | days),
    st.builds(lambda d: {"kind": "enrolled", "within_days": d}, st.integers(1, 800)),
    st.builds(lambda a: {"kind": "enrolled", "after": a, "before": "2026-05-01"},
              st.sampled_from(["2024-06-01", "2025-01-15", "2026-05-01"])),
    st.builds(lambda r: {"kind": "referral", "role": r}, st.sampled_from(["referred", "referrer"])),
    st.builds(lambda c, g: {"kind": "consent", "channel": c, "given": g},
              st.sampled_from(["email", "sms"]), st.booleans()),
)  # fmt: skip
trees = st.recursive(
    leaf,
    lambda kids: st.builds(
        lambda m, c: {"match": m, "conditions": c},
        st.sampled_from(["all", "any"]),
        st.lists(kids, min_size=1, max_size=3),
    ),
    max_leaves=5,
).map(lambda t: t if "conditions" in t else {"match": "all", "conditions": [t]})


def _depth(tree, level=1) -> int:
    inner = [_depth(c, level + 1) for c in tree["conditions"] if "conditions" in c]
    return max([level, *inner])


# --- the brute force -----------------------------------------------------------------------


def live(b: Buy, at: datetime, days: int | None = None) -> bool:
    when = at - timedelta(hours=b.hours_ago)
    inside = days is None or when > at - timedelta(days=days)
    return b.status != "refunded" and inside


def ntile(ordered: list[int]) -> dict[int, int]:
    n = len(ordered)
    size, extra = divmod(n, 5)
    scores, start = {}, 0
    for bucket in range(1, 6):
        width = size + (1 if bucket <= extra else 0)
        for pk in ordered[start : start + width]:
            scores[pk] = bucket
        start += width
    return scores


def rfm(people: list[Spec], days: int) -> dict[int, tuple[int, int, int]]:
    stats = {}
    for s in people:
        mine = [b for b in s.buys if live(b, NOW, days)]
        if mine:
            stats[s.pk] = (
                min(b.hours_ago for b in mine),
                len(mine),
                sum((b.amount for b in mine), Decimal(0)),
            )
    r = ntile(sorted(stats, key=lambda pk: (-stats[pk][0], pk)))
    f = ntile(sorted(stats, key=lambda pk: (stats[pk][1], pk)))
    m = ntile(sorted(stats, key=lambda pk: (stats[pk][2], pk)))
    return {pk: (r[pk], f[pk], m[pk]) for pk in stats}


def matches(node, s: Spec, everyone: list[Spec], tiers: list[int]) -> bool:  # noqa: C901
    if "conditions" in node:
        results = [matches(c, s, everyone, tiers) for c in node["conditions"]]
        return all(results) if node.get("match", "all") == "all" else any(results)
    k = node["kind"]
    if k == "tier":
        return (s.tier is not None and s.tier in node["tiers"]) or (
            s.tier is None and node["no_tier"]
        )
    if k == "balance":
        return s.balance >= node["min"] and (node["max"] is None or s.balance <= node["max"])
    if k == "expiring":
        soon = sum(
            lot.remaining
            for lot in s.lots
            if lot.status == "available"
            and lot.remaining > 0
            and lot.expires_in_hours is not None
            and 0 < lot.expires_in_hours * 3600 <= node["days"] * 86400
        )
        return soon >= node["min_points"]
    if k == "last_purchase":
        if "less_than_days" in node:
            return any(live(b, NOW, node["less_than_days"]) for b in s.buys)
        return any(live(b, NOW) for b in s.buys) and not any(
            live(b, NOW, node["more_than_days"]) for b in s.buys
        )
    if k == "purchases":
        mine = [b for b in s.buys if live(b, NOW, node["days"])]
        count, spend = len(mine), sum((b.amount for b in mine), Decimal(0))
        ok = True
        if node.get("min_count") is not None:
            ok &= count >= node["min_count"]
        if node.get("max_count") is not None:
            ok &= count <= node["max_count"]
        if node.get("min_spend") is not None:
            ok &= spend >= Decimal(node["min_spend"])
        if node.get("max_spend") is not None:
            ok &= spend <= Decimal(node["max_spend"])
        return ok
    if k == "rfm":
        scores = rfm([p for p in everyone], node["days"]).get(s.pk)
        if scores is None:
            return False
        return all(
            node[name] is None or node[name][0] <= value <= node[name][1]
            for name, value in zip(("recency", "frequency", "monetary"), scores, strict=True)
        )
    if k == "birthday_month":
        return s.birthday_month in node["months"]
    if k == "channel":
        return any(b.channel in node["channels"] and live(b, NOW, node["days"]) for b in s.buys)
    if k == "enrolled":
        enrolled = NOW - timedelta(hours=s.enrolled_hours_ago)
        ok = True
        if node.get("after"):
            ok &= enrolled.date() >= date.fromisoformat(node["after"])
        if node.get("before"):
            ok &= enrolled.date() <= date.fromisoformat(node["before"])
        if node.get("within_days"):
            ok &= enrolled > NOW - timedelta(days=node["within_days"])
        return ok
    if k == "referral":
        alive = lambda st_: st_ not in ("rejected", "cancelled")  # noqa: E731
        if node["role"] == "referred":
            return s.referred is not None and alive(s.referred)
        return any(alive(x) for x in s.referrals)
    if k == "consent":
        return (s.email if node["channel"] == "email" else s.sms) == node["given"]
    raise AssertionError(k)


# --- the data in the database --------------------------------------------------------------


def build(people: list[Spec]) -> list[int]:
    tiers = [
        Tier.objects.create(name="Silver", rank=1, threshold=100),
        Tier.objects.create(name="Gold", rank=2, threshold=500),
    ]
    channels = {c: Channel.objects.get_or_create(code=c)[0] for c in ("web", "store")}
    extra = iter(range(10_000))
    for i, s in enumerate(people):
        m = Member.objects.create(
            email=f"p{i}@example.com",
            status="active" if s.active else "suspended",
            tier=tiers[s.tier] if s.tier is not None else None,
            points_balance=s.balance,
            birthday=date(1990, s.birthday_month, 3) if s.birthday_month else None,
            enrolled_at=NOW - timedelta(hours=s.enrolled_hours_ago),
            email_offers=s.email,
            sms_offers=s.sms,
        )
        s.pk = m.pk
        for j, b in enumerate(s.buys):
            Purchase.objects.create(
                channel=channels[b.channel], order_id=f"{i}-{j}", member=m, currency="EUR",
                purchased_at=NOW - timedelta(hours=b.hours_ago), amount=b.amount + b.refunded,
                refunded_amount=b.refunded, status=b.status,
            )  # fmt: skip
        for j, lot in enumerate(s.lots):
            entry = LedgerEntry.objects.create(
                member=m, kind="earn", points=lot.remaining, idempotency_key=f"{i}-{j}"
            )
            PointLot.objects.create(
                member=m, entry=entry, status=lot.status, points=lot.remaining,
                remaining=lot.remaining, earned_at=NOW - timedelta(days=30),
                expires_at=None if lot.expires_in_hours is None
                else NOW + timedelta(hours=lot.expires_in_hours),
            )  # fmt: skip
        statuses = ([s.referred] if s.referred else []) + s.referrals
        for k, status in enumerate(statuses):
            other = Member.objects.create(email=f"x{next(extra)}@example.com", status="closed")
            referrer, referee = (other, m) if k == 0 and s.referred else (m, other)
            code, _ = ReferralCode.objects.get_or_create(
                member=referrer, defaults={"code": f"C{referrer.pk}"}
            )
            Referral.objects.create(referrer=referrer, referee=referee, code=code, status=status)
    return [t.pk for t in tiers]


def with_tier_ids(node, tier_ids):
    if "conditions" in node:
        return {**node, "conditions": [with_tier_ids(c, tier_ids) for c in node["conditions"]]}
    if node["kind"] == "tier":
        return {**node, "tiers": [tier_ids[t] for t in node["tiers"]]}
    return node


def normalised(node):
    """The brute force reads the definition as ``parse`` completed it (defaults filled in)."""
    if "conditions" in node:
        return {**node, "conditions": [normalised(c) for c in node["conditions"]]}
    defaults = {"balance": {"min": None, "max": None}, "channel": {"days": None}}
    return {**defaults.get(node["kind"], {}), **node}


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # shrinking on a database is slow
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(people=st.lists(specs, min_size=1, max_size=12), tree=trees)
def test_a_segment_selects_what_a_brute_force_evaluation_selects(people, tree):
    if _depth(tree) > conditions.MAX_DEPTH:
        return
    with transaction.atomic():
        tier_ids = build(people)
        definition = with_tier_ids(tree, tier_ids)
        got = set(segment_members(definition, now=NOW).values_list("pk", flat=True))
        expected = {
            s.pk for s in people if s.active and matches(normalised(tree), s, people, [0, 1])
        }
        assert got == expected, definition
        transaction.set_rollback(True)
