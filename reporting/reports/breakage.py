"""Breakage: what became of each earning month's points, and the rate the history points to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .books import Books
from .periods import Period
from .recognition import Cohort, position
from .rollforward import closed_note
from .shape import Column, Report

FOUR = Decimal("0.0001")


@dataclass
class Estimate:
    rate: Decimal | None
    share: Decimal | None
    cohorts: list[Cohort]
    explanation: str


def estimate_rate(as_of: date, *, books: Books | None = None) -> Estimate:
    """The ultimate redemption rate the program's history points to, and how it was computed.

    Of each month's purchase points (net of reversals), some are redeemed, some lapsed
    (expired, forfeited, removed) and some still open. The redeemed share of the
    resolved points (redeemed / (redeemed + lapsed)) of the matured months (nothing
    open any more) is the best guide to how open points will end; with no matured
    month, all months' resolved points are used. The program's ultimate rate = (redeemed
    + open x that share) / net issued, over all months.
    """
    books = books or Books.load()
    table = position(books, as_of).cohorts
    matured = [c for c in table if c.outstanding == 0 and c.net > 0]
    basis = matured or table
    redeemed = sum(c.redeemed for c in basis)
    resolved = redeemed + sum(c.lapsed for c in basis)
    share = Decimal(redeemed) / resolved if resolved > 0 else None
    net_total = sum(c.net for c in table)
    rate = None
    if net_total > 0 and share is not None:
        projected = sum(c.redeemed + c.outstanding * share for c in table) / net_total
        rate = min(max(projected, Decimal(0)), Decimal(1)).quantize(Decimal("0.000001"))
    basis_text = (
        f"{len(matured)} matured month(s)"
        if matured
        else f"all {len(table)} month(s) (none matured)"
    )
    explanation = (
        "no history: nothing resolved yet, no estimate possible"
        if rate is None
        else f"cohort method as of {as_of}: {redeemed} of {resolved} resolved points redeemed "
        f"({share:.4f}) in {basis_text}; open points projected at that share; ultimate rate "
        f"over {len(table)} month(s) of {net_total} net points = {rate}"
    )
    return Estimate(rate, share, table, explanation)


def _row(cohort: Cohort, share: Decimal | None) -> dict:
    net = cohort.net
    return {
        "cohort": cohort.month,
        "issued": cohort.issued,
        "reversed": cohort.reversed,
        "redeemed": cohort.redeemed,
        "lapsed": cohort.lapsed,
        "open": cohort.outstanding,
        "redeemed_share": (Decimal(cohort.redeemed) / net).quantize(FOUR) if net > 0 else None,
        "ultimate": ((cohort.redeemed + cohort.outstanding * share) / net).quantize(FOUR)
        if net > 0 and share is not None
        else None,
    }


def breakage(as_of: date, *, books: Books | None = None) -> Report:
    books = books or Books.load()
    estimate = estimate_rate(as_of, books=books)
    in_force = books.rate_on(as_of)
    notes = closed_note(books, Period(as_of, as_of)) + [
        books.describe_rate(as_of),
        f"Estimate from history: {estimate.explanation}.",
    ]
    if books.estimate_on(as_of) is None:
        notes.append("The reports use rate 1 until finance records an estimate.")
    return Report(
        name="breakage",
        title=f"Breakage estimate as of {as_of}",
        columns=[
            Column("cohort", "Earning month"),
            Column("issued", "Issued", "points"),
            Column("reversed", "Reversed", "points"),
            Column("redeemed", "Redeemed", "points"),
            Column("lapsed", "Expired or lapsed", "points"),
            Column("open", "Still open", "points"),
            Column("redeemed_share", "Redeemed so far", "rate"),
            Column("ultimate", "Projected ultimate redemption", "rate"),
        ],
        rows=[_row(cohort, estimate.share) for cohort in estimate.cohorts],
        notes=notes,
        summary={
            "rate_in_force": in_force,
            "rate_estimated": estimate.rate,
            "breakage_in_force": Decimal(1) - in_force,
        },
    )
