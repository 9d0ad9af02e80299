"""Finance through the API: estimates and closings with the finance scope, every report with
the read scope, and events dated when they happened (redemptions, cancellations, refunds)."""

from datetime import date, datetime

import pytest
from django.utils import timezone

from reporting.models import ClosedPeriod
from rewards.models import LedgerEntry, RedemptionRateEstimate
from rewards.purchases.recording import record_purchase

from .conftest import client_for


@pytest.fixture
def finance(db, program, web):
    client, _ = client_for("read", "finance")
    return client


@pytest.fixture
def sale(program, member, web):
    return record_purchase(
        channel="web",
        order_id="F1",
        amount="200.00",
        member_id=member.pk,
        purchased_at=timezone.make_aware(datetime(2025, 3, 2, 12)),
    )


def test_finance_records_an_estimate_and_reads_it_back(finance):
    response = finance.post(
        "/api/v1/finance/estimates/",
        {"rate": "0.92", "effective_from": "2025-01-01", "explanation": "memo 4"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["rate"] == "0.920000"
    listed = finance.get("/api/v1/finance/estimates/").json()
    assert [(row["rate"], row["explanation"]) for row in listed] == [("0.920000", "memo 4")]


def test_an_estimate_needs_a_rate_or_the_history_in_a_422(finance):
    response = finance.post(
        "/api/v1/finance/estimates/", {"effective_from": "2025-01-01"}, format="json"
    )
    assert (response.status_code, response.json()["error"]["code"]) == (422, "rate_or_history")
    response = finance.post(
        "/api/v1/finance/estimates/",
        {"from_history": True, "effective_from": "2025-01-01"},
        format="json",
    )
    assert (response.status_code, response.json()["error"]["code"]) == (422, "no_history")
    assert not RedemptionRateEstimate.objects.exists()


def test_a_read_key_cannot_record_an_estimate_or_close_a_period(reader):
    response = reader.post(
        "/api/v1/finance/estimates/", {"rate": "0.9", "effective_from": "2025-01-01"}, format="json"
    )
    assert response.status_code == 403
    response = reader.post(
        "/api/v1/finance/closed-periods/", {"start": "2025-01-01", "end": "2025-01-31"}
    )
    assert response.status_code == 403
    assert reader.get("/api/v1/finance/closed-periods/").status_code == 200


def test_a_closed_period_stays_and_a_late_refund_is_booked_in_the_next(finance, sale):
    response = finance.post(
        "/api/v1/finance/closed-periods/",
        {"start": "2025-03-01", "end": "2025-03-31"},
        format="json",
    )
    assert response.status_code == 201, response.content
    march = {"start": "2025-03-01", "end": "2025-03-31"}
    before = finance.get("/api/v1/reports/rollforward/", march).json()
    api, _ = client_for("earn")
    refund = api.post(
        f"/api/v1/purchases/{sale.pk}/refunds/",
        {"amount": "100.00", "refunded_at": "2025-03-10T09:00:00+00:00"},
        format="json",
    )
    assert refund.status_code == 201, refund.content
    assert finance.get("/api/v1/reports/rollforward/", march).json() == before
    april = finance.get(
        "/api/v1/reports/rollforward/", {"start": "2025-04-01", "end": "2025-04-30"}
    )
    lines = {row["line"]: row["points"] for row in april.json()["rows"]}
    assert (
        lines["Correction dated in a closed period: Issued reversed (refunds and returns)"] == -100
    )
    assert ClosedPeriod.objects.count() == 1


def test_a_report_as_of_a_day_needs_only_the_day(finance, sale):
    response = finance.get("/api/v1/reports/liability/", {"as_of": "2025-06-30"})
    assert response.status_code == 200
    assert response.json()["summary"]["outstanding"] == 200
    assert response.json()["summary"]["cost_per_point"] is None  # not set


def test_a_report_of_a_period_refuses_what_the_command_refuses(finance, sale):
    response = finance.get("/api/v1/reports/revenue/", {"as_of": "2025-06-30"})
    assert (response.status_code, response.json()["error"]["message"]) == (
        422,
        "The revenue report covers a period: give start and end.",
    )
    response = finance.get("/api/v1/reports/kpis/", {"start": "0001-01-01", "end": "9999-12-31"})
    assert response.status_code == 422
    assert response.json()["error"]["message"] == "The first day cannot be before 2000-01-01."
    assert finance.get("/api/v1/reports/unknown/").status_code == 404


def test_a_redemption_and_its_cancellation_are_dated_when_they_happened(api, member, sale):
    created = api.post(
        "/api/v1/redemptions/",
        {"member_id": member.pk, "points": 50, "effective_at": "2025-03-05T10:00:00+00:00"},
        format="json",
    )
    assert created.status_code == 201, created.content
    cancelled = api.post(
        f"/api/v1/redemptions/{created.json()['id']}/cancel/",
        {"effective_at": "2025-03-06T10:00:00+00:00"},
        format="json",
    )
    assert cancelled.status_code == 200, cancelled.content
    dates = LedgerEntry.objects.filter(redemption_id=created.json()["id"]).values_list(
        "effective_at", flat=True
    )
    assert sorted(d.date() for d in dates) == [date(2025, 3, 5), date(2025, 3, 6)]


def test_it_validates_ownership_a_dated_redemption_spends_only_its_members_points(
    api, member, other_member, sale
):
    response = api.post(
        "/api/v1/redemptions/",
        {"member_id": other_member.pk, "points": 50, "effective_at": "2025-03-05T10:00:00+00:00"},
        format="json",
    )
    assert (response.status_code, response.json()["error"]["code"]) == (422, "insufficient_points")
