"""What an import gives back: files safe to open, and one line for a channel that is not there."""

import csv
import io

import pytest

from loyalty.cells import safe_cell
from rewards.importing import ImportFileError, ImportRejected, Options, import_purchases
from rewards.models import ImportJob, Purchase

from .test_import_purchases import HEADER, csv_file, days_ago, staff_client, upload  # noqa: F401

pytestmark = pytest.mark.usefixtures("web", "program")

FORMULAS = [
    '"=HYPERLINK(""http://evil.example"",""click"")"',
    "@SUM(A1:A9)",
    "-2+3",
    "+1",
    '"\tTAB"',
]


def formula_rows() -> str:
    """One bad row per risky order id (the amount is not a number), as a shop could export."""
    return "".join(
        f"{order},a{n}@example.com,,{days_ago(3)},oops,EUR,,=Name\n"
        for n, order in enumerate(FORMULAS)
    )


def rejected_cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_safe_cell_prefixes_risky_text_and_leaves_numbers_alone():
    risky = ["=1+1", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "\0x"]
    assert [safe_cell(text) for text in risky] == [f"'{text}" for text in risky]
    assert [safe_cell(v) for v in (-5, 2.5, "plain", None)] == [-5, 2.5, "plain", ""]


def test_the_admins_rejected_rows_download_escapes_formulas(
    staff_client,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    job = upload(staff_client, django_capture_on_commit_callbacks, HEADER + formula_rows())
    download = staff_client.get(f"/admin/rewards/importjob/{job.pk}/rejected/")
    rows = rejected_cells(b"".join(download.streaming_content).decode())
    orders = [row[3] for row in rows[1:]]
    assert orders == [
        '\'=HYPERLINK("http://evil.example","click")',
        "'@SUM(A1:A9)",
        "'-2+3",
        "'+1",
        "'\tTAB",
    ]
    assert {row[-1] for row in rows[1:]} == {"'=Name"}
    assert rows[1][0] == "2"  # the row number stays a number


def test_the_commands_rejected_rows_file_escapes_formulas(tmp_path):
    path = csv_file(tmp_path, formula_rows())
    with pytest.raises(ImportRejected) as rejected:
        import_purchases(path, Options())
    rows = rejected_cells(open(rejected.value.report.rejected_path, encoding="utf-8").read())  # noqa: SIM115
    assert all(row[3].startswith("'") for row in rows[1:])
    assert not Purchase.objects.exists()


def test_it_validates_ownership_a_download_of_another_jobs_rows_needs_staff(
    client,
    staff_client,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    job = upload(staff_client, django_capture_on_commit_callbacks, HEADER + formula_rows())
    client.logout()
    response = client.get(f"/admin/rewards/importjob/{job.pk}/rejected/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


# ---------------------------------------------------------------- the channel, once


def test_a_file_for_a_channel_that_does_not_exist_is_refused_in_one_line(tmp_path):
    rows = "".join(f"B{n},b{n}@example.com,,{days_ago(3)},10.00,EUR,,\n" for n in range(30))
    with pytest.raises(ImportRejected) as rejected:
        import_purchases(csv_file(tmp_path, rows), Options(channel="shop"))
    report = rejected.value.report
    assert report.problems == ["channel 'shop' does not exist; channels: web"]
    assert report.errors == []  # not 30 times the same complaint
    assert str(rejected.value).startswith("channel 'shop' does not exist; channels: web; 30 inv")
    assert not Purchase.objects.exists()


def test_the_rows_own_errors_still_show_beside_the_channel(tmp_path):
    rows = f"C1,c@example.com,,{days_ago(3)},oops,EUR,,\nC2,d@example.com,,{days_ago(3)},5.00,,,\n"
    with pytest.raises(ImportRejected) as rejected:
        import_purchases(csv_file(tmp_path, rows), Options(channel="shop"))
    report = rejected.value.report
    assert len(report.problems) == 1
    assert [(e.row, e.column) for e in report.errors] == [(2, "amount")]


def test_the_command_says_the_missing_channel_once(tmp_path, capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    rows = "".join(f"D{n},d{n}@example.com,,{days_ago(3)},10.00,EUR,,\n" for n in range(5))
    with pytest.raises(CommandError, match="channel 'x' does not exist; channels: web"):
        call_command("import_purchases", str(csv_file(tmp_path, rows)), "--channel", "x")
    assert capsys.readouterr().err.count("does not exist") == 1


def test_the_admin_refuses_an_upload_for_a_channel_that_does_not_exist(
    staff_client,  # noqa: F811
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {"file": SimpleUploadedFile("o.csv", HEADER.encode()), "channel": "shop"}
    response = staff_client.post("/admin/rewards/importjob/add/", data)
    assert b"Channel &#x27;shop&#x27; does not exist; channels: web." in response.content


def test_a_fresh_install_has_a_channel_that_earns(transactional_db, tmp_path):
    """What the migrations leave on an empty database is enough for a first import."""
    from django.core.management import call_command

    from rewards.models import Channel

    call_command("flush", "--no-input")
    call_command("migrate", "rewards", "0009", verbosity=0)
    call_command("migrate", verbosity=0)
    assert list(Channel.objects.values_list("code", "earns_points")) == [("web", True)]
    report = import_purchases(
        csv_file(tmp_path, f"E1,e@example.com,,{days_ago(3)},10.00,EUR,,\n"), Options()
    )
    assert report.purchases_created == 1 and report.points_awarded == 10


# ---------------------------------------------------------------- not a text file

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 40
ZIP = b"PK\x03\x04\x14\x00\x06\x00" + b"\x00\xa5\xff" * 3000
NOISE = bytes((n * 7919) % 256 for n in range(9000)).replace(b"\n", b"")


@pytest.mark.parametrize(
    ("content", "what"),
    [(PNG, "a PNG image"), (ZIP, "a zip archive"), (NOISE, "binary data")],
)
def test_a_file_that_is_not_text_gets_one_line_saying_so(tmp_path, content, what):
    path = tmp_path / "orders.csv"
    path.write_bytes(content)
    with pytest.raises(ImportFileError) as error:
        import_purchases(path, Options())
    message = str(error.value)
    assert message.startswith("This is not a text (CSV) file: it looks like " + what)
    assert "\n" not in message and len(message) < 120


def test_an_xlsx_named_csv_is_called_a_zip_not_a_missing_column(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["order_id", "email", "purchased_at", "amount"])
    book.save(tmp_path / "orders.xlsx")
    path = tmp_path / "orders.csv"
    path.write_bytes((tmp_path / "orders.xlsx").read_bytes())
    with pytest.raises(ImportFileError, match="not a text .CSV. file: it looks like a zip"):
        import_purchases(path, Options())


def test_the_admin_refuses_an_upload_that_is_not_text_in_one_line(
    staff_client,  # noqa: F811
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = staff_client.post(
        "/admin/rewards/importjob/add/", {"file": SimpleUploadedFile("o.csv", PNG)}
    )
    assert response.status_code == 200
    assert b"This is not a text (CSV) file: it looks like a PNG image." in response.content
    assert not ImportJob.objects.exists()


def test_a_text_file_with_accents_and_tabs_is_still_text(tmp_path):
    body = f"A1,zoe@example.com,,{days_ago(3)},10.00,EUR,,Zoë\tLee\n"
    path = csv_file(tmp_path, body, encoding="cp1252")
    assert import_purchases(path, Options()).purchases_created == 1


# ---------------------------------------------------------------- no channel at all


def test_a_file_without_a_channel_says_so_once_and_still_lists_the_rows_errors(tmp_path):
    from rewards.models import Channel

    Channel.objects.update(code="shop")  # no "web": nothing to default to...
    Channel.objects.create(code="store", name="Store")  # ...and not a single channel
    rows = "".join(f"F{n},f{n}@example.com,,{days_ago(3)},10.00,EUR,,\n" for n in range(20))
    rows += f"F99,f99@example.com,,{days_ago(3)},oops,EUR,,\n"
    with pytest.raises(ImportRejected) as rejected:
        import_purchases(csv_file(tmp_path, rows), Options())
    report = rejected.value.report
    assert report.problems == [
        "the file has no channel column and no channel was chosen; channels: shop, store"
    ]
    assert [(e.row, e.column) for e in report.errors] == [(22, "amount")]


def test_an_empty_channel_cell_is_that_rows_error_when_there_is_no_default(tmp_path):
    from rewards.models import Channel

    Channel.objects.create(code="store", name="Store")
    header = "order_id,email,purchased_at,amount,channel\n"
    rows = f"G1,g@example.com,{days_ago(3)},10.00,web\nG2,h@example.com,{days_ago(3)},10.00,\n"
    Channel.objects.filter(code="web").update(code="shop")  # no default channel
    rows = rows.replace(",web", ",shop")
    with pytest.raises(ImportRejected) as rejected:
        import_purchases(csv_file(tmp_path, rows, header=header), Options())
    report = rejected.value.report
    assert report.problems == []
    assert [(e.row, e.column, e.reason) for e in report.errors] == [
        (3, "channel", "The channel is empty.")
    ]
