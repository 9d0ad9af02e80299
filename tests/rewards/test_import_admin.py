"""The admin import in the admin's words: upload, choose the columns, check, one Confirm."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from rewards.models import ImportJob, Purchase
from tests.factories import ChannelFactory, MemberFactory, UserFactory

pytestmark = pytest.mark.usefixtures("web")

GERMAN = (
    "Bestellnummer;Kunde;Datum;Summe\n"
    "A-1;anna@example.com;2026-03-01;25.00\n"
    "A-2;ben@example.com;2026-03-02;10.00\n"
).replace(";", ",")
GERMAN_COLUMNS = {
    "order_id": "Bestellnummer",
    "email": "Kunde",
    "purchased_at": "Datum",
    "amount": "Summe",
}


@pytest.fixture
def staff_client(client, program, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(UserFactory(email="staff@example.com", is_staff=True, is_superuser=True))
    return client


def upload(client, content: str, name="orders.csv", **options):
    form = {
        "file": SimpleUploadedFile(name, content.encode()),
        "preset": "",
        "channel": "store",
        "award_points": "on",
        **options,
    }
    response = client.post(reverse("admin:rewards_importjob_add"), form)
    assert response.status_code == 302, response.content.decode()[:3000]
    job = ImportJob.objects.latest("pk")
    assert response["Location"] == reverse("admin:rewards_importjob_change", args=[job.pk])
    return job


def choose(client, job, captured, **columns):
    form = {"preset": ""} | {f"column_{name}": header for name, header in columns.items()}
    with captured(execute=True):
        response = client.post(reverse("admin:rewards_importjob_columns", args=[job.pk]), form)
    job.refresh_from_db()
    return response


def test_the_channel_is_picked_from_the_list_of_channels(staff_client):
    ChannelFactory(code="store", name="Coffee shop counter")
    page = staff_client.get(reverse("admin:rewards_importjob_add")).content.decode()
    assert '<select name="channel"' in page
    assert '<option value="store">Coffee shop counter</option>' in page
    assert "Download a sample CSV" in page


def test_after_the_upload_the_files_headers_are_offered_for_each_of_our_columns(staff_client):
    ChannelFactory(code="store")
    job = upload(staff_client, "Order ID,E-mail,Date,Bestellwert\nA-1,a@example.com,2026-03-01,5\n")
    assert job.status == ImportJob.Status.MAPPING
    page = staff_client.get(reverse("admin:rewards_importjob_change", args=[job.pk]))
    html = page.content.decode()
    assert page.templates[0].name == "admin/rewards/importjob/columns.html"
    for header in ("Order ID", "E-mail", "Date", "Bestellwert"):
        assert f'<option value="{header}"' in html
    form = page.context["form"]
    assert form["column_order_id"].value() == "Order ID"  # recognised: chosen already
    assert form["column_purchased_at"].value() == "Date"
    assert not form["column_amount"].value()  # not recognised: the admin chooses it


def test_a_required_column_left_out_is_refused_in_words(
    staff_client, django_capture_on_commit_callbacks
):
    ChannelFactory(code="store")
    job = upload(staff_client, GERMAN)
    response = choose(
        staff_client, job, django_capture_on_commit_callbacks, order_id="Bestellnummer"
    )
    assert job.status == ImportJob.Status.MAPPING
    html = response.content.decode()
    assert "Choose the file&#x27;s column for this." in html
    assert "Choose the column of the customer&#x27;s email or of their id." in html


def test_mapped_columns_are_checked_then_one_confirm_imports_them(
    staff_client, django_capture_on_commit_callbacks
):
    ChannelFactory(code="store")
    MemberFactory(email="anna@example.com")
    job = upload(staff_client, GERMAN)
    choose(
        staff_client,
        job,
        django_capture_on_commit_callbacks,
        **GERMAN_COLUMNS,
    )
    assert job.status == ImportJob.Status.PREVIEWED, job.message
    assert job.mapping == GERMAN_COLUMNS
    page = staff_client.get(reverse("admin:rewards_importjob_change", args=[job.pk]))
    html = page.content.decode()
    assert html.count("Confirm: import these purchases") == 1
    assert 'name="_save"' not in html
    assert not Purchase.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(reverse("admin:rewards_importjob_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert sorted(Purchase.objects.values_list("order_id", "channel__code")) == [
        ("A-1", "store"),
        ("A-2", "store"),
    ]
    done = staff_client.get(reverse("admin:rewards_importjob_change", args=[job.pk]))
    html = done.content.decode()
    assert "Please correct" not in html
    assert "errornote" not in html
    assert 'name="_save"' not in html


def test_a_rejected_file_says_why_without_flags_or_server_paths(
    staff_client, django_capture_on_commit_callbacks, tmp_path
):
    ChannelFactory(code="store")
    job = upload(staff_client, GERMAN.replace("25.00", "lots"))
    choose(
        staff_client,
        job,
        django_capture_on_commit_callbacks,
        **GERMAN_COLUMNS,
    )
    assert job.status == ImportJob.Status.REJECTED
    html = staff_client.get(reverse("admin:rewards_importjob_change", args=[job.pk]))
    text = html.content.decode()
    assert "1 row(s) are invalid, so nothing was imported." in text
    assert str(tmp_path) not in text
    assert not re.search(r"--(map|preset|skip)", text)
    assert "Please correct" not in text


def test_the_status_view_answers_the_progress_bar(staff_client):
    ChannelFactory(code="store")
    job = upload(staff_client, GERMAN)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.PREVIEWING)
    state = staff_client.get(reverse("admin:rewards_importjob_status", args=[job.pk])).json()
    assert state["running"] is True
    assert state["label"] == "Checking the file"
    page = staff_client.get(reverse("admin:rewards_importjob_change", args=[job.pk]))
    assert '<progress id="import-progress"' in page.content.decode()
    assert 'http-equiv="refresh"' not in page.content.decode()


def test_the_sample_csv_imports_with_the_columns_recognised(
    staff_client, django_capture_on_commit_callbacks
):
    ChannelFactory(code="store")
    sample = staff_client.get(reverse("admin:rewards_importjob_sample"))
    assert sample["Content-Type"].startswith("text/csv")
    job = upload(staff_client, sample.content.decode())
    form = staff_client.get(reverse("admin:rewards_importjob_change", args=[job.pk])).context[
        "form"
    ]
    chosen = {
        name.removeprefix("column_"): form[name].value()
        for name in form.fields
        if name.startswith("column_") and form[name].value()
    }
    choose(staff_client, job, django_capture_on_commit_callbacks, **chosen)
    assert job.status == ImportJob.Status.PREVIEWED, job.summary["errors"]
    assert job.summary["rows_read"] == 2


def test_a_file_that_cannot_be_read_says_so_at_the_columns_step(staff_client):
    ChannelFactory(code="store")
    job = upload(staff_client, "order_id,amount\n1,2\n", name="orders.xlsx")
    page = staff_client.get(reverse("admin:rewards_importjob_change", args=[job.pk]))
    html = page.content.decode()
    assert "This file cannot be read: not a readable XLSX file" in html
    assert "Upload another file" in html
    assert str(job.file.path) not in html
