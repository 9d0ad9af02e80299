"""Reports never fail for a period a form or the command accepts, and refuse the others
in the user's words (issue 12.5); the finance command drives estimates and closings."""

import json
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from reporting import reports
from reporting.models import ClosedPeriod
from rewards.purchases.recording import record_purchase

from .helpers import moment

pytestmark = pytest.mark.usefixtures("web")
URL = "/admin/reporting/report/"


@pytest.fixture
def sale(program, member):
    return record_purchase(
        channel="web",
        order_id="R1",
        amount="99999.99",
        member_id=member.pk,
        purchased_at=moment(2025, 4, 4),
    )


@pytest.mark.parametrize("name", reports.PERIOD_REPORTS)
def test_every_period_report_works_over_the_widest_accepted_range(sale, name):
    period = reports.check_period(date(2000, 1, 1), reports.periods.latest_day(), by="month")
    report = reports.build(name, period, by="month")
    assert report.rows


@pytest.mark.parametrize("name", reports.AS_OF_REPORTS)
def test_every_as_of_report_works_on_the_first_and_the_last_accepted_day(sale, name):
    for day in (date(2000, 1, 1), reports.periods.latest_day()):
        assert reports.build(name, as_of=reports.check_day(day, field="as_of", label="day"))


def test_the_command_refuses_the_year_one_to_9999_in_one_line(program):
    with pytest.raises(CommandError, match="cannot be before 2000-01-01"):
        call_command("report", "rollforward", "--from", "0001-01-01", "--to", "9999-12-31")
    with pytest.raises(CommandError, match="too far in the future"):
        call_command("report", "rollforward", "--from", "2025-01-01", "--to", "9999-12-31")


def test_a_period_of_more_than_500_parts_is_refused_with_the_way_out(program):
    program.earliest_date = date(1950, 1, 1)
    program.save()
    with pytest.raises(CommandError, match="split it by quarter or year"):
        call_command("report", "revenue", "--from", "1950-01-01", "--to", "2025-12-31")
    call_command("report", "revenue", "--from", "1950-01-01", "--to", "2025-12-31", "--by", "year")


def test_the_command_refuses_a_day_after_the_tenth_year_from_now(program):
    with pytest.raises(CommandError, match="cannot be after"):
        call_command("report", "liability", "--as-of", "2100-01-01")


def test_the_admin_page_refuses_the_year_one_with_a_message(staff_client, program):
    response = staff_client.get(
        URL, {"report": "revenue", "start": "0001-01-01", "end": "9999-12-31", "by": "month"}
    )
    assert response.status_code == 200
    assert b"cannot be before 2000-01-01" in response.content


def test_the_admin_page_shows_an_as_of_report_without_a_period(staff_client, sale):
    response = staff_client.get(URL, {"report": "liability", "as_of": "2025-06-30", "by": "month"})
    assert response.status_code == 200
    assert response.context["report"].title == "Points liability as of 2025-06-30"


def test_liability_and_breakage_need_only_a_day(sale, capsys):
    call_command("report", "breakage", "--as-of", "2025-06-30", "--format", "json")
    assert json.loads(capsys.readouterr().out)["title"] == "Breakage estimate as of 2025-06-30"
    with pytest.raises(CommandError, match="use --as-of, not --from/--to"):
        call_command("report", "liability", "--from", "2025-01-01", "--to", "2025-06-30")


def test_finance_records_an_estimate_and_lists_it(program, capsys):
    call_command(
        "finance", "estimate", "--rate", "0.93", "--effective-from", "2025-01-01",
        "--explanation", "memo 12",
    )  # fmt: skip
    call_command("finance", "estimates", "--format", "json")
    out = capsys.readouterr().out
    listed = json.loads(out[out.index("[") :])
    assert [(row["rate"], row["explanation"]) for row in listed] == [("0.930000", "memo 12")]


def test_finance_refuses_an_estimate_from_an_empty_history(program):
    with pytest.raises(CommandError, match="cannot estimate a rate yet"):
        call_command("finance", "estimate", "--from-history", "--effective-from", "2025-01-01")


def test_finance_closes_periods_in_order_and_checks_them(sale, capsys):
    call_command("finance", "close", "--from", "2025-01-01", "--to", "2025-03-31")
    with pytest.raises(CommandError, match="next one starts on 2025-04-01"):
        call_command("finance", "close", "--from", "2025-05-01", "--to", "2025-05-31")
    call_command("finance", "closed", "--check")
    out = capsys.readouterr().out
    assert "2025-01-01  2025-03-31" in out and "unchanged" in out
    assert ClosedPeriod.objects.count() == 1


def test_finance_sets_the_cost_per_point(sale, capsys):
    call_command("finance", "cost-per-point", "0.004")
    call_command("report", "liability", "--as-of", "2025-06-30", "--format", "json")
    out = capsys.readouterr().out
    data = json.loads(out[out.index("{") :])
    assert data["summary"]["cost_per_point"] == "0.004000"


def test_it_validates_ownership_a_members_purchase_is_counted_once_in_the_widest_report(
    sale, other_member
):
    period = reports.check_period(date(2000, 1, 1), reports.periods.latest_day())
    report = reports.rollforward(period)
    assert report.summary["closing"] == sale.points_earned
