"""Exports escape formulas in text, keep numbers numeric; the report command's formats."""

import csv
import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from reporting import exports
from reporting.reports import Column, Report
from rewards.purchases.recording import record_purchase

from .helpers import moment

pytestmark = pytest.mark.usefixtures("web")


def sample() -> Report:
    return Report(
        name="sample",
        title="t",
        columns=[Column("text", "Text"), Column("n", "Number", "points")],
        rows=[
            {"text": '=HYPERLINK("http://x")', "n": -5},
            {"text": "+1", "n": Decimal("-2.50")},
            {"text": "@SUM(A1)", "n": 3},
            {"text": "\tTab", "n": 0},
            {"text": "-minus", "n": None},
            {"text": "plain", "n": 1},
        ],
    )


def test_csv_escapes_text_that_a_spreadsheet_would_run():
    rows = list(csv.reader(io.StringIO(exports.to_csv(sample()))))
    texts = [row[0] for row in rows[1:7]]
    assert texts == ['\'=HYPERLINK("http://x")', "'+1", "'@SUM(A1)", "'\tTab", "'-minus", "plain"]


def test_csv_keeps_negative_numbers_as_numbers():
    rows = list(csv.reader(io.StringIO(exports.to_csv(sample()))))
    assert [row[1] for row in rows[1:3]] == ["-5", "-2.50"]


def test_xlsx_stores_text_as_text_and_numbers_as_numbers():
    sheet = load_workbook(io.BytesIO(exports.to_xlsx(sample()))).active
    assert sheet["A2"].value == '\'=HYPERLINK("http://x")'
    assert sheet["A2"].data_type == "s"
    assert (sheet["B2"].value, sheet["B3"].value) == (-5, -2.5)


def money_and_points() -> Report:
    return Report(
        name="formats",
        title="t",
        columns=[
            Column("line", "Line"),
            Column("points", "Points", "points"),
            Column("money", "Money", "money"),
            Column("value", "Value", "number"),
        ],
        rows=[
            {"line": "Issued", "points": 12345, "money": Decimal("7.50"), "value": 3},
            {
                "line": "A much longer line of the report",
                "points": -5,
                "money": None,
                "value": Decimal("0.85"),
            },
        ],
        notes=["A note"],
    )


def test_xlsx_formats_money_with_two_decimals_and_points_as_whole_numbers():
    sheet = load_workbook(io.BytesIO(exports.to_xlsx(money_and_points()))).active
    assert (sheet["B2"].value, sheet["B2"].number_format) == (12345, "#,##0")
    assert (sheet["C2"].value, sheet["C2"].number_format) == (7.5, "#,##0.00")  # shows 7.50
    assert (sheet["D2"].number_format, sheet["D3"].number_format) == ("#,##0", "#,##0.00")
    assert sheet["C3"].value == "n/a"


def test_xlsx_freezes_the_header_row_and_sizes_the_columns():
    sheet = load_workbook(io.BytesIO(exports.to_xlsx(money_and_points()))).active
    assert sheet.freeze_panes == "A2"
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABCD"}
    assert widths["A"] >= len("A much longer line of the report")
    assert widths["B"] < widths["A"]
    assert all(width >= 6 for width in widths.values())


@pytest.fixture
def sale(program, member):
    return record_purchase(
        channel="web",
        order_id="=cmd|' /C calc'!A0",
        amount="40.00",
        member_id=member.pk,
        purchased_at=moment(2025, 5, 5),
    )


def test_report_command_prints_json(sale, capsys):
    call_command(
        "report", "rollforward", "--from", "2025-01-01", "--to", "2025-12-31", "--format", "json"
    )
    data = json.loads(capsys.readouterr().out)
    assert data["summary"]["closing"] == 40
    assert data["rows"][1] == {"line": "Issued: purchases", "points": 40, "money": "0.40"}


def test_report_command_prints_csv(sale, capsys):
    call_command("report", "liability", "--as-of", "2025-12-31", "--format", "csv")
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert ["Outstanding points", "40"] in rows


def test_report_command_prints_a_table(sale, capsys):
    call_command("report", "kpis", "--from", "2025-05-01", "--to", "2025-05-31")
    out = capsys.readouterr().out
    assert "Program KPIs 2025-05" in out
    assert "Points issued" in out


def test_report_command_refuses_a_range_that_ends_before_it_starts(program):
    with pytest.raises(CommandError, match="must end on or after its first day"):
        call_command("report", "revenue", "--from", "2025-02-01", "--to", "2025-01-01")


def test_report_command_refuses_a_bad_date(program):
    with pytest.raises(CommandError, match="--from must be a date"):
        call_command("report", "revenue", "--from", "2025-02-30", "--to", "2025-03-01")


def test_it_validates_ownership_an_order_id_cannot_inject_a_formula_into_an_export(sale, capsys):
    from reporting import reports

    report = reports.Report(
        name="orders",
        title="orders",
        columns=[Column("order", "Order")],
        rows=[{"order": sale.order_id}],
    )
    assert exports.to_csv(report).splitlines()[1].startswith("'=cmd")
