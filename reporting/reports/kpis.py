"""Program KPIs of a period: customers from the sales, points from the ledger, members, tiers
and referrals from their own apps' selectors; everything as booked, so a closed period's
KPIs stay what they were."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db.models import Avg, Count, F, Q, Sum
from django.db.models.functions import Coalesce

from campaigns.models import MessageSend
from members import selectors as member_selectors
from members.models import Member
from referrals import selectors as referral_selectors
from rewards.models import LedgerEntry, Purchase

from .books import LEDGER, MEMBER, PURCHASE, REFERRAL, TIER_CHANGE, Books
from .periods import Period, split
from .rollforward import closed_note
from .shape import CENT, Column, Report, money

Kind = LedgerEntry.Kind
ISSUING = [Kind.EARN, Kind.ACTION, Kind.REFERRAL]
ACTIVE = [Kind.EARN, Kind.REDEEM, Kind.ACTION, Kind.REFERRAL]


def percent(part, whole) -> Decimal | None:
    return (Decimal(100) * part / whole).quantize(CENT) if whole else None


def per(part, whole) -> Decimal | None:
    return (Decimal(part) / whole).quantize(CENT) if whole else None


def _customers(books: Books, period: Period, previous: Period, members=None) -> dict:
    """Members who bought in the period and in the one before, as booked."""
    sales = Purchase.objects.filter(member__isnull=False)
    if members is not None:
        sales = sales.filter(member__in=members)

    def booked(part: Period) -> Q:
        return books.booked(PURCHASE, part.start_at, part.end_at, time="purchased_at")

    now = sales.filter(booked(period))
    before = sales.filter(booked(previous)).values("member_id")
    earlier = sales.filter(books.known(PURCHASE, period.start_at, time="purchased_at"))
    buyers = now.values("member_id").distinct()
    return {
        "now": buyers.count(),
        "before": before.distinct().count(),
        "retained": buyers.filter(member_id__in=before).count(),
        "new": buyers.exclude(member_id__in=earlier.values("member_id")).count(),
        "repeaters": now.values("member_id").annotate(n=Count("pk")).filter(n__gte=2).count(),
        "purchases": now.count(),
    }


def point_flows(books: Books, period: Period, members=None) -> dict:
    """Points issued (with staff additions), redeemed, donated, and the members active."""
    entries = LedgerEntry.objects.filter(
        books.booked(LEDGER, period.start_at, period.end_at, time="effective_at")
    )
    if members is not None:
        entries = entries.filter(member__in=members)
    total = F("points") + F("pending_points")
    redeeming = Q(kind__in=[Kind.REDEEM, Kind.REDEEM_CANCEL])
    figures = entries.aggregate(
        issued=Coalesce(Sum(total, filter=Q(kind__in=ISSUING)), 0),
        added=Coalesce(Sum("points", filter=Q(kind=Kind.ADJUST, points__gt=0)), 0),
        redeemed=Coalesce(Sum(total, filter=redeeming), 0),
        donated=Coalesce(Sum("points", filter=redeeming & ~Q(redemption__cause="")), 0),
    )
    active = entries.filter(kind__in=ACTIVE).values("member_id").distinct().count()
    return {
        "issued": figures["issued"] + figures["added"],
        "redeemed": -figures["redeemed"],
        "donated": -figures["donated"],
        "active": active,
    }


def _order_values(books: Books, period: Period, members=None) -> dict:
    booked = books.booked(PURCHASE, period.start_at, period.end_at, time="purchased_at")
    mine = Q(member__isnull=False) if members is None else Q(member__in=members)
    return Purchase.objects.filter(booked).aggregate(
        members=Avg("amount", filter=mine),
        others=Avg("amount", filter=Q(member__isnull=True)),
    )


def new_members(books: Books, period: Period, members=None) -> int:
    """Members enrolled in the period, as booked."""
    joined = books.booked(MEMBER, period.start_at, period.end_at, time="enrolled_at")
    if members is not None:
        joined &= Q(pk__in=members)
    return Member.objects.filter(joined).count()


def _members(books: Books, period: Period, members=None):
    known = books.known(MEMBER, period.end_at, time="enrolled_at")
    changes = books.known(TIER_CHANGE, period.end_at, time="created_at")
    referrals = books.booked(REFERRAL, period.start_at, period.end_at, time="created_at")
    if members is not None:
        known &= Q(pk__in=members)
        changes, referrals = changes & Q(member__in=members), referrals & Q(referrer__in=members)
    tiers = member_selectors.tier_distribution(members=known, changes=changes)
    conversion = referral_selectors.conversion(
        referrals=referrals, purchases=books.known(PURCHASE, period.end_at, time="purchased_at")
    )
    return new_members(books, period, members), tiers, conversion


def _emails(period: Period, members=None) -> dict:
    """Marketing emails sent in the period, and those the provider reported opened/clicked."""
    sent = MessageSend.objects.filter(
        status=MessageSend.Status.SENT, sent_at__gte=period.start_at, sent_at__lt=period.end_at
    )
    if members is not None:
        sent = sent.filter(member__in=members)
    return sent.aggregate(
        sent=Count("pk"),
        opened=Count("pk", filter=Q(opened_at__isnull=False)),
        clicked=Count("pk", filter=Q(clicked_at__isnull=False)),
    )


def kpis(period: Period, *, books: Books | None = None, members=None) -> Report:
    """Program KPIs for ``period``: customers from purchases, points from the ledger.

    ``members`` (a queryset of member ids, e.g. a segment's) restricts every figure to
    them, except the average order value of non-members.
    """
    books = books or Books.load()
    length = period.end - period.start + timedelta(days=1)
    previous = Period(period.start - length, period.start - timedelta(days=1))
    customers = _customers(books, period, previous, members)
    points = point_flows(books, period, members)
    aov = _order_values(books, period, members)
    joined, tiers, conversion = _members(books, period, members)
    emails = _emails(period, members)
    rows = (
        _customer_rows(points, joined, customers)
        + _order_value_rows(aov)
        + _point_rows(points, conversion)
        + _email_rows(emails)
    )
    rows += [(f"Tier: {row.tier}", row.members) for row in tiers]
    return Report(
        name="kpis",
        title=f"Program KPIs {period.label}",
        columns=[Column("kpi", "KPI"), Column("value", "Value", "number")],
        rows=[{"kpi": label, "value": value} for label, value in rows],
        notes=closed_note(books, period) + _notes(previous),
        summary={"tiers": [{"tier": row.tier, "members": row.members} for row in tiers]},
    )


def _customer_rows(points: dict, joined: int, customers: dict) -> list[tuple]:
    """Members and customers: who was active, who joined, who bought and came back."""
    return [
        ("Active members (earned or redeemed)", points["active"]),
        ("New members (enrolled)", joined),
        ("Customers at start (bought in the previous period)", customers["before"]),
        ("Customers at end (bought in the period)", customers["now"]),
        ("New customers (first purchase in the period)", customers["new"]),
        (
            "Customer retention rate % ((end - new) / start x 100)",
            percent(customers["now"] - customers["new"], customers["before"]),
        ),
        (
            "Churn % (customers at start who did not buy again)",
            percent(customers["before"] - customers["retained"], customers["before"]),
        ),
        (
            "Repeat purchase rate % (members with 2+ purchases)",
            percent(customers["repeaters"], customers["now"]),
        ),
        (
            "Purchase frequency (purchases per customer)",
            per(customers["purchases"], customers["now"]),
        ),
    ]


def _order_value_rows(aov: dict) -> list[tuple]:
    return [
        ("Average order value: members", None if aov["members"] is None else money(aov["members"])),
        (
            "Average order value: non-members",
            None if aov["others"] is None else money(aov["others"]),
        ),
    ]


def _point_rows(points: dict, conversion) -> list[tuple]:
    return [
        ("Points issued", points["issued"]),
        ("Points redeemed (net of cancellations)", points["redeemed"]),
        ("Redemption rate % (redeemed / issued)", percent(points["redeemed"], points["issued"])),
        ("Points issued per active member", per(points["issued"], points["active"])),
        ("Points redeemed per active member", per(points["redeemed"], points["active"])),
        ("Referral conversion %", conversion.percent),
        ("Points donated to causes", points["donated"]),
    ]


def _email_rows(emails: dict) -> list[tuple]:
    """Open and click rates only when the provider tracks them (else every one reads 0)."""
    tracked = emails["opened"] or emails["clicked"]
    return [
        ("Marketing emails sent", emails["sent"]),
        ("Email open rate %", percent(emails["opened"], emails["sent"]) if tracked else None),
        ("Email click rate %", percent(emails["clicked"], emails["sent"]) if tracked else None),
    ]


def _notes(previous: Period) -> list[str]:
    return [
        "Customers are members who bought: at start = in the previous period of the same "
        f"length ({previous.start}..{previous.end}), at end = in this period.",
        "Tiers: members enrolled by the end of the period, by the tier their history "
        "gives them at that moment.",
        "n/a: not known (no data). Open and click rates need the email provider's "
        "tracking (django-anymail's tracking webhook); without it they are n/a.",
    ]


def kpis_by_month(
    period: Period, *, members=None, label: str = "all members", books: Books | None = None
) -> Report:
    """The KPIs of each calendar month of ``period`` side by side (one column a month),
    for ``members`` (a segment's ids) or everyone."""
    books = books or Books.load()
    months = split(period, "month")
    columns = [Column("kpi", "KPI")]
    values: dict[str, dict] = {}
    for index, month in enumerate(months):
        key = f"m{index}"
        columns.append(Column(key, month.start.strftime("%Y-%m"), "number"))
        for row in kpis(month, books=books, members=members).rows:
            values.setdefault(row["kpi"], {"kpi": row["kpi"]})[key] = row["value"]
    return Report(
        name="kpis_by_month",
        title=f"Program KPIs by month {period.label}: {label}",
        columns=columns,
        rows=list(values.values()),
        notes=[
            "Each month is compared with the month before it (customers at start).",
            "A segment is evaluated today: its members now, over every month shown.",
            "Average order value of non-members: the whole program's (nobody is in a segment "
            "without being a member).",
        ],
    )
