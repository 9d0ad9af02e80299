"""Finance in the admin: the reports page, its charts and downloads, estimates and closing."""

from datetime import date

import pytest
from django.urls import reverse

from reporting import reports
from reporting.models import ClosedPeriod, LiabilitySnapshot
from rewards.models import RedemptionRateEstimate
from rewards.purchases.recording import record_purchase
from tests.factories import MemberFactory, UserFactory

from .helpers import moment

pytestmark = pytest.mark.usefixtures("web")
URL = "/admin/reporting/report/"
PERIOD = {"start": "2025-01-01", "end": "2025-12-31", "by": "month"}


@pytest.fixture
def sale(program, member):
    return record_purchase(
        channel="web",
        order_id="A1",
        amount="30.00",
        member_id=member.pk,
        purchased_at=moment(2025, 4, 4),
    )


@pytest.mark.parametrize("report", reports.REPORTS)
def test_every_report_opens_for_a_chosen_period(staff_client, sale, report):
    response = staff_client.get(URL, {**PERIOD, "report": report})
    assert response.status_code == 200
    assert response.context["report"].name == report


def snapshot(day: date) -> LiabilitySnapshot:
    return LiabilitySnapshot.objects.create(
        as_of=day,
        spendable_points=30,
        pending_points=0,
        outstanding_points=30,
        point_value="0.01",
        redemption_rate="1",
        face_value="0.30",
        contract_liability="0.29",
        cost_liability="0.15",
    )


def charts_of(response) -> list[dict]:
    return [chart["spec"] for chart in response.context["charts"]]


def test_the_reports_page_loads_chart_js_from_our_static_files(staff_client, sale):
    content = staff_client.get(URL, {**PERIOD, "report": "rollforward"}).content.decode()
    assert "/static/vendor/chartjs/4.6.1/chart.umd.min.js" in content
    assert '<canvas data-chart="chart-1"' in content
    assert '<script id="chart-1" type="application/json">' in content
    assert "cdn" not in content.lower()


def test_the_roll_forward_charts_points_by_month_with_a_legend_and_a_unit(staff_client, sale):
    (chart,) = charts_of(staff_client.get(URL, {**PERIOD, "report": "rollforward"}))
    assert chart["type"] == "bar" and chart["unit"] == "points"
    assert list(chart["series"]) == ["Issued", "Redeemed", "Expired or forfeited"]
    assert len(chart["labels"]) == 12
    assert chart["series"]["Issued"][3] == 30  # April


def test_the_liability_report_charts_the_snapshots_up_to_its_day(staff_client, sale):
    snapshot(date(2025, 4, 29))
    snapshot(date(2025, 4, 30))
    snapshot(date(2025, 5, 2))  # after the day: not drawn
    response = staff_client.get(URL, {"report": "liability", "as_of": "2025-04-30"})
    (chart,) = charts_of(response)
    assert chart["labels"] == ["2025-04-29", "2025-04-30"]
    assert chart["series"]["Contract liability"] == [0.29, 0.29]
    assert (chart["unit"], chart["decimals"]) == ("EUR", 2)


@pytest.mark.parametrize(
    ("report", "charts"), [("revenue", 1), ("cohorts", 1), ("breakage", 1), ("journal", 0)]
)
def test_each_report_has_the_chart_that_fits_it(staff_client, sale, report, charts):
    response = staff_client.get(URL, {**PERIOD, "report": report, "as_of": "2025-12-31"})
    assert len(charts_of(response)) == charts


def test_the_kpis_chart_the_members_by_tier_at_the_end_of_the_period(staff_client, program):
    MemberFactory(enrolled_at=moment(2025, 2, 1))
    response = staff_client.get(URL, {**PERIOD, "report": "kpis"})
    (chart,) = charts_of(response)
    assert (chart["labels"], chart["series"]) == (["(no tier)"], {"Members": [1]})


def test_the_report_form_offers_date_pickers(staff_client, program):
    content = staff_client.get(URL).content.decode()
    assert content.count('type="date"') == 3


def test_the_reports_page_downloads_csv(staff_client, sale):
    response = staff_client.get(URL, {**PERIOD, "report": "rollforward", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert "Issued: purchases,30,0.30" in response.content.decode()


def test_the_reports_page_downloads_xlsx(staff_client, sale):
    response = staff_client.get(URL, {**PERIOD, "report": "revenue", "format": "xlsx"})
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="revenue-2025-01-01-2025-12-31.xlsx"'
    )
    assert response.content[:2] == b"PK"


def test_a_period_that_ends_before_it_starts_shows_an_error(staff_client, program):
    response = staff_client.get(
        URL, {"report": "kpis", "start": "2025-02-01", "end": "2025-01-01", "by": "month"}
    )
    assert b"must end on or after its first day" in response.content


def test_finance_records_a_redemption_rate(staff_client, program):
    response = staff_client.post(
        reverse("admin:rewards_redemptionrateestimate_add"),
        {"effective_from": "2025-01-01", "rate": "0.93", "explanation": "finance memo 12"},
    )
    assert response.status_code == 302
    estimate = RedemptionRateEstimate.objects.get()
    assert (str(estimate.rate), estimate.created_by) == ("0.930000", staff_client.staff)


def test_finance_closes_a_period(staff_client, sale):
    response = staff_client.post(
        reverse("admin:reporting_closedperiod_add"), {"start": "2025-01-01", "end": "2025-12-31"}
    )
    assert response.status_code == 302
    closed = ClosedPeriod.objects.get()
    assert closed.figures["rollforward"]["summary"]["closing"] == 30


def test_closing_a_period_inside_the_closed_books_shows_the_reason(staff_client, sale):
    url = reverse("admin:reporting_closedperiod_add")
    staff_client.post(url, {"start": "2025-01-01", "end": "2025-06-30"})
    response = staff_client.post(url, {"start": "2025-06-01", "end": "2025-07-31"})
    assert b"already closed through 2025-06-30" in response.content
    assert ClosedPeriod.objects.count() == 1


def test_it_validates_ownership_a_member_login_cannot_open_the_reports(client, sale):
    client.force_login(UserFactory(email="member-login@example.com"))
    response = client.get(URL, {**PERIOD, "report": "rollforward", "format": "csv"})
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.parametrize(
    "page", ["admin:reporting_closedperiod_add", "admin:rewards_redemptionrateestimate_add"]
)
def test_the_finance_forms_offer_date_pickers(staff_client, program, page):
    content = staff_client.get(reverse(page)).content.decode()
    assert 'type="date"' in content
