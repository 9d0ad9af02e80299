"""Program KPIs month by month, for everyone or one segment's members."""

from datetime import UTC, date, datetime

import pytest

from campaigns.models import MessageSend, Segment
from campaigns.selectors import segment_members
from reporting import reports
from rewards.purchases.recording import record_purchase
from tests.factories import MemberFactory

pytestmark = pytest.mark.usefixtures("web")
URL = "/admin/reporting/report/segments/"


def at(month: int, day: int = 10) -> datetime:
    return datetime(2025, month, day, 12, tzinfo=UTC)


@pytest.fixture
def shop(program):
    fan = MemberFactory(email="fan@example.com", email_offers=True)
    other = MemberFactory(email="other@example.com", email_offers=False)
    for month, amount in ((1, "10.00"), (2, "30.00"), (2, "50.00")):
        record_purchase(channel="web", order_id=f"F{month}{amount}", amount=amount,
                                member_id=fan.pk, purchased_at=at(month))  # fmt: skip
    record_purchase(channel="web", order_id="O1", amount="100.00", member_id=other.pk,
                            purchased_at=at(2))  # fmt: skip
    segment = Segment.objects.create(
        name="Opted in", definition={"conditions": [{"kind": "consent", "channel": "email"}]}
    )
    return fan, other, segment


def value(report, kpi: str, column: str):
    row = next(r for r in report.rows if r["kpi"] == kpi)
    return row[column]


def test_kpis_by_month_give_one_column_a_month(shop):
    report = reports.kpis_by_month(reports.Period(date(2025, 1, 1), date(2025, 3, 31)))
    assert [c.label for c in report.columns] == ["KPI", "2025-01", "2025-02", "2025-03"]
    assert value(report, "Customers at end (bought in the period)", "m1") == 2
    assert value(report, "Purchase frequency (purchases per customer)", "m1") == 1.5


def test_it_validates_ownership_a_segment_counts_only_its_members(shop):
    fan, _, segment = shop
    report = reports.kpis_by_month(
        reports.Period(date(2025, 1, 1), date(2025, 2, 28)),
        members=segment_members(segment).values("pk"),
    )
    assert value(report, "Customers at end (bought in the period)", "m1") == 1
    assert str(value(report, "Average order value: members", "m1")) == "40.00"
    assert value(report, "Customer retention rate % ((end - new) / start x 100)", "m1") == 100


def test_open_rates_are_unknown_without_the_providers_tracking(shop):
    fan, _, _ = shop
    MessageSend.objects.create(member=fan, kind="welcome", event_key="w", status="sent",
                               sent_at=at(2, 11))  # fmt: skip
    report = reports.kpis_by_month(reports.Period(date(2025, 2, 1), date(2025, 2, 28)))
    assert value(report, "Marketing emails sent", "m0") == 1
    assert value(report, "Email open rate %", "m0") is None
    MessageSend.objects.update(opened_at=at(2, 12))
    report = reports.kpis_by_month(reports.Period(date(2025, 2, 1), date(2025, 2, 28)))
    assert value(report, "Email open rate %", "m0") == 100


def test_the_admin_page_shows_and_downloads_a_segments_kpis(admin_client, shop):
    _, _, segment = shop
    query = {"segment": segment.pk, "start": "2025-01-01", "end": "2025-03-31"}
    page = admin_client.get(URL, query)
    assert page.status_code == 200 and "Opted in" in page.content.decode()
    csv = admin_client.get(URL, {**query, "format": "csv"})
    assert csv.content.decode().startswith("KPI,2025-01,2025-02,2025-03")
    assert (
        "out of range" not in admin_client.get(URL, {**query, "end": "1990-01-01"}).content.decode()
    )
