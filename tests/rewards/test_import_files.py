"""What an import gives back: files safe to open, and one line for a channel that is not there."""

import csv
import io

import pytest

from loyalty.cells import safe_cell
from rewards.importing import ImportRejected, Options, import_purchases
from rewards.models import Purchase

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
