"""An admin import in Chromium: upload, choose the file's columns, check, confirm."""

import pytest

from members.models import User
from rewards.models import ImportJob, Purchase
from tests.e2e.test_till import PASSWORD, console_errors, shot, staff_sign_in
from tests.factories import ChannelFactory, ProgramFactory

ORDERS = (
    "Bestellnummer,Kunde,Datum,Summe,Filiale\n"
    "A-1,anna@example.com,2026-03-01,25.00,\n"
    "A-2,ben@example.com,2026-03-02,10.00,\n"
)


@pytest.fixture
def owner(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    ProgramFactory()
    ChannelFactory(code="web", name="Web shop")
    ChannelFactory(code="store", name="Coffee shop counter")
    User.objects.create_superuser(email="owner@example.com", password=PASSWORD)


def test_an_admin_imports_a_file_with_its_own_column_names(new_page, owner, tmp_path):
    orders = tmp_path / "bestellungen.csv"
    orders.write_text(ORDERS)
    page = new_page(viewport={"width": 1366, "height": 900})
    errors = console_errors(page)
    staff_sign_in(page, "owner@example.com")
    page.goto("/admin/rewards/importjob/add/")
    page.locator("#id_file").set_input_files(str(orders))
    page.locator("#id_channel").select_option(label="Coffee shop counter")
    page.locator("input[name=_save]").click()

    page.get_by_test_id("columns-form").wait_for()
    page.locator("#id_column_order_id").select_option("Bestellnummer")
    page.locator("#id_column_email").select_option("Kunde")
    page.locator("#id_column_purchased_at").select_option("Datum")
    page.locator("#id_column_amount").select_option("Summe")
    shot(page, "import-columns.png")
    page.get_by_role("button", name="Check the file").click()

    page.get_by_test_id("import-preview").wait_for()
    assert "Please correct" not in page.content()
    page.get_by_role("button", name="Confirm: import these purchases").click()
    page.get_by_test_id("import-status").get_by_text("Imported").wait_for()
    shot(page, "import-done.png")
    assert ImportJob.objects.get().status == ImportJob.Status.DONE
    assert sorted(Purchase.objects.values_list("order_id", "channel__code")) == [
        ("A-1", "store"),
        ("A-2", "store"),
    ]
    assert errors == []
