"""Importing historical purchases: points as of each purchase date, safety, and bad files."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from loyalty.errors import ApplicationError
from members.models import Member
from rewards.importing import ImportFileError, ImportRejected, Options, import_purchases
from rewards.models import LedgerEntry, PointLot, Purchase
from rewards.purchases.recording import record_purchase
from rewards.purchases.refunds import refund_purchase
from rewards.redemptions.services import redeem_points
from tests.factories import EarnRuleFactory, MemberFactory, TierFactory
from tests.helpers import assert_ledger_consistent, balance, pending

pytestmark = pytest.mark.usefixtures("web", "program")

HEADER = "order_id,email,customer_id,purchased_at,amount,currency,status,name\n"


def days_ago(days: int) -> str:
    return (timezone.now() - timedelta(days=days)).replace(microsecond=0).isoformat()


def csv_file(tmp_path, body: str, *, header: str = HEADER, encoding="utf-8", name="orders.csv"):
    path = tmp_path / name
    path.write_bytes((header + body).encode(encoding))
    return path


def run(path, **options):
    return import_purchases(path, Options(**options))


# ---------------------------------------------------------------- what gets written


def test_an_import_creates_the_purchase_the_member_and_points_dated_at_the_purchase(tmp_path):
    when = days_ago(30)
    path = csv_file(tmp_path, f"A1,ann@example.com,C1,{when},100.00,EUR,completed,Ann Lee\n")
    report = run(path)
    member = Member.objects.get(email="ann@example.com")
    assert (member.external_id, member.first_name, member.last_name) == ("C1", "Ann", "Lee")
    assert member.enrolled_at.isoformat() == when
    entry = LedgerEntry.objects.get(member=member)
    purchase = Purchase.objects.get(order_id="A1")
    assert (entry.kind, entry.points, entry.idempotency_key) == (
        "earn",
        100,
        f"purchase:{purchase.pk}:earn",
    )
    assert entry.effective_at.isoformat() == when
    assert (report.purchases_created, report.members_created, report.points_awarded) == (1, 1, 100)
    assert balance(member) == 100
    assert_ledger_consistent()


def test_an_imported_purchase_is_written_exactly_as_the_service_writes_it(tmp_path, member):
    EarnRuleFactory(name="Weekend", weekdays="6,7")
    when = timezone.now() - timedelta(days=40)
    live = record_purchase(
        channel="web", order_id="LIVE", amount="57.31", member_id=member.pk, purchased_at=when
    )
    path = csv_file(tmp_path, f"IMP,{member.email},,{when.isoformat()},57.31,EUR,completed,\n")
    run(path)
    imported = Purchase.objects.get(order_id="IMP")
    fields = ("points_earned", "earn_breakdown", "eligible_amount", "status", "amount")
    assert [getattr(imported, f) for f in fields] == [getattr(live, f) for f in fields]
    live_lot, imported_lot = (
        PointLot.objects.get(purchase=live),
        PointLot.objects.get(purchase=imported),
    )
    assert (imported_lot.earned_at, imported_lot.expires_at, imported_lot.status) == (
        live_lot.earned_at,
        live_lot.expires_at,
        live_lot.status,
    )
    assert_ledger_consistent()


def test_points_follow_the_rules_in_force_on_the_purchase_date(tmp_path):
    now = timezone.now()
    EarnRuleFactory(starts_at=now - timedelta(days=20), ends_at=now - timedelta(days=10))
    path = csv_file(
        tmp_path,
        f"IN,a@example.com,,{days_ago(15)},10.00,EUR,completed,\n"
        f"OUT,a@example.com,,{days_ago(5)},10.00,EUR,completed,\n",
    )
    run(path)
    points = dict(Purchase.objects.values_list("order_id", "points_earned"))
    assert points == {"IN": 20, "OUT": 10}


def test_points_already_past_their_expiry_are_expired_by_the_import(tmp_path):
    path = csv_file(
        tmp_path,
        f"OLD,a@example.com,,{days_ago(400)},50.00,EUR,completed,\n"
        f"NEW,a@example.com,,{days_ago(10)},20.00,EUR,completed,\n",
    )
    report = run(path)
    member = Member.objects.get(email="a@example.com")
    expiry = LedgerEntry.objects.get(member=member, kind="expire")
    assert expiry.points == -50
    assert (report.points_expired, report.members_expired) == (50, 1)
    assert PointLot.objects.get(purchase__order_id="OLD").remaining == 0
    assert balance(member) == 20
    assert_ledger_consistent()


def test_points_still_in_the_return_window_are_pending(tmp_path, program):
    program.return_window_days = 14
    program.save()
    path = csv_file(
        tmp_path,
        f"RECENT,a@example.com,,{days_ago(3)},30.00,EUR,completed,\n"
        f"SETTLED,a@example.com,,{days_ago(30)},10.00,EUR,completed,\n",
    )
    report = run(path)
    member = Member.objects.get(email="a@example.com")
    assert (balance(member), pending(member), report.points_pending) == (10, 30, 30)
    assert_ledger_consistent()


def test_points_as_of_today_are_credited_today_and_do_not_expire_yet(tmp_path):
    path = csv_file(tmp_path, f"OLD,a@example.com,,{days_ago(400)},50.00,EUR,completed,\n")
    report = run(path, points_as_of_today=True)
    entry = LedgerEntry.objects.get(kind="earn")
    assert timezone.now() - entry.effective_at < timedelta(minutes=1)
    assert report.points_expired == 0
    assert balance(Member.objects.get(email="a@example.com")) == 50
    assert_ledger_consistent()


def test_no_award_points_records_the_purchases_without_points(tmp_path):
    path = csv_file(tmp_path, f"A1,a@example.com,,{days_ago(3)},50.00,EUR,completed,\n")
    run(path, award_points=False)
    assert Purchase.objects.get().points_earned == 0
    assert not LedgerEntry.objects.exists()


def test_a_refunded_order_is_recorded_as_refunded_with_no_points(tmp_path):
    path = csv_file(tmp_path, f"R1,a@example.com,,{days_ago(3)},50.00,EUR,refunded,\n")
    report = run(path)
    purchase = Purchase.objects.get()
    assert (purchase.status, purchase.refunded_amount, purchase.points_earned) == (
        "refunded",
        Decimal("50.00"),
        0,
    )
    assert report.refunded == 1
    assert not LedgerEntry.objects.exists()
    assert_ledger_consistent()


def test_orders_that_are_not_sales_are_skipped_and_counted(tmp_path):
    path = csv_file(tmp_path, f"P1,a@example.com,,{days_ago(3)},50.00,EUR,cancelled,\n")
    report = run(path)
    assert report.not_a_sale == 1
    assert not Purchase.objects.exists()


def test_an_existing_member_is_found_by_customer_id_before_email(tmp_path, member):
    path = csv_file(
        tmp_path, f"A1,someone.else@example.com,{member.external_id},{days_ago(3)},10.00,EUR,,\n"
    )
    run(path)
    assert Purchase.objects.get().member == member
    assert not Member.objects.filter(email="someone.else@example.com").exists()


def test_an_opt_in_program_records_unknown_customers_without_a_member(tmp_path, program):
    program.auto_enroll = False
    program.save()
    path = csv_file(tmp_path, f"A1,new@example.com,,{days_ago(3)},10.00,EUR,,\n")
    report = run(path)
    assert not Member.objects.exists()
    assert Purchase.objects.get().member is None
    assert report.without_member == 1


def test_a_member_with_a_debt_has_it_settled_as_the_service_would(tmp_path, member, program):
    program.allow_negative_balance = True
    program.save()
    bought = record_purchase(channel="web", order_id="X", amount="30.00", member_id=member.pk)
    redeem_points(member_id=member.pk, points=30)
    refund_purchase(purchase_id=bought.pk, amount="30.00")
    assert balance(member) == -30
    path = csv_file(tmp_path, f"A1,{member.email},,{days_ago(3)},50.00,EUR,,\n")
    run(path)
    assert balance(member) == 20
    assert_ledger_consistent()


def test_it_validates_ownership_an_import_credits_only_the_member_of_each_row(tmp_path):
    ann, bob = MemberFactory(), MemberFactory()
    path = csv_file(tmp_path, f"A1,{ann.email},,{days_ago(3)},40.00,EUR,,\n")
    run(path)
    assert (balance(ann), balance(bob)) == (40, 0)
    assert not Purchase.objects.filter(member=bob).exists()


# ---------------------------------------------------------------- safety


def test_reimporting_the_same_file_creates_nothing_twice(tmp_path):
    path = csv_file(tmp_path, f"A1,a@example.com,,{days_ago(3)},10.00,EUR,,\n")
    run(path)
    report = run(path)
    assert (report.purchases_created, report.duplicates_skipped) == (0, 1)
    assert Purchase.objects.count() == 1
    assert balance(Member.objects.get()) == 10


def test_a_changed_row_for_an_existing_order_is_reported_and_not_applied(tmp_path):
    when = days_ago(3)
    run(csv_file(tmp_path, f"A1,a@example.com,,{when},10.00,EUR,,\n"))
    path = csv_file(tmp_path, f"A1,a@example.com,,{when},99.00,EUR,,\n", name="again.csv")
    report = run(path)
    assert report.changed == 1
    assert Purchase.objects.get().amount == Decimal("10.00")
    assert "amount 10.00 -> 99.00" in (tmp_path / "again.csv.rejected.csv").read_text()


def test_many_small_batches_write_every_row_once_with_consistent_ledgers(tmp_path, program):
    # Batches of 3: on PostgreSQL each batch is sent in the background while the next is
    # built, so this crosses many hand-overs (and id blocks) with a mix of pending,
    # expired and refunded rows.
    program.expiry_months, program.return_window_days = 12, 14
    program.save()
    body = "".join(
        f"B{i},m{i % 4}@example.com,,{days_ago(5 + i * 40)},{10 + i}.00,EUR,"
        f"{'refunded' if i % 7 == 3 else 'completed'},\n"
        for i in range(23)
    )
    report = run(csv_file(tmp_path, body), batch_size=3)
    assert report.purchases_created == Purchase.objects.count() == 23
    assert Member.objects.count() == 4
    assert report.points_expired > 0 and report.points_pending > 0
    assert sum(balance(m) for m in Member.objects.all()) == (
        report.points_awarded - report.points_pending - report.points_expired
    )
    assert_ledger_consistent()


@pytest.mark.parametrize("remembered", [1000, 2])
def test_a_customer_in_many_batches_is_looked_up_once_and_keeps_their_tier(tmp_path, remembered):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    gold = TierFactory(name="Gold", threshold=Decimal("100000"), earn_multiplier=Decimal("2"))
    vip = MemberFactory(email="vip@example.com", tier=gold)
    body = "".join(
        f"V{i},{'vip' if i % 2 else f'new{i % 3}'}@example.com,,{days_ago(3 + i)},10.00,EUR,,\n"
        for i in range(12)
    )
    with CaptureQueriesContext(connection) as queries:
        report = run(csv_file(tmp_path, body), batch_size=2, member_cache=remembered)  # 2: forgets
    lookups = [q for q in queries.captured_queries if 'FROM "members_member"' in q["sql"]]
    assert report.purchases_created == 12 and report.members_created == 3
    vip_points = [p.points_earned for p in Purchase.objects.filter(member=vip)]
    assert vip_points == [20] * 6  # every row at the tier's rate, remembered or not
    assert balance(vip) == 120
    if remembered > 10:
        # pass 1: batches until every customer has been seen; pass 2: none at all
        assert len(lookups) <= 4, [q["sql"][:80] for q in lookups]
    assert_ledger_consistent()


def test_an_order_recorded_by_someone_else_during_the_import_rolls_it_all_back(
    tmp_path, monkeypatch
):
    from rewards.importing.importer import Importer

    create_members = Importer._create_members

    def meanwhile(self, scratch, writer):  # after the checks, before the rows are written
        create_members(self, scratch, writer)
        writer.wait()  # the connection is the import's COPY thread's until then
        record_purchase(channel="web", order_id="A5", amount="1.00")

    monkeypatch.setattr(Importer, "_create_members", meanwhile)
    body = "".join(f"A{i},a@example.com,,{days_ago(3)},10.00,EUR,,\n" for i in range(9))
    with pytest.raises(ApplicationError) as exc:
        run(csv_file(tmp_path, body), batch_size=2)
    assert exc.value.code == "import_conflict"
    assert "recorded by another way while the import ran" in exc.value.message
    assert "_uniq" not in exc.value.message
    assert not Purchase.objects.exists()
    assert not Member.objects.exists()


def test_one_invalid_row_makes_the_import_write_nothing_and_says_where(tmp_path):
    path = csv_file(
        tmp_path,
        f"A1,a@example.com,,{days_ago(3)},10.00,EUR,,\nA2,b@example.com,,{days_ago(3)},ten,EUR,,\n",
    )
    with pytest.raises(ImportRejected) as exc:
        run(path)
    error = exc.value.report.errors[0]
    assert (error.row, error.column) == (3, "amount")
    assert "not an amount" in error.reason
    assert not Purchase.objects.exists()
    assert not Member.objects.exists()


def test_skip_invalid_imports_the_valid_rows_and_writes_the_rejected_ones(tmp_path):
    path = csv_file(
        tmp_path,
        f"A1,a@example.com,,{days_ago(3)},10.00,EUR,,\nA2,b@example.com,,{days_ago(3)},-5,EUR,,\n",
    )
    report = run(path, skip_invalid=True)
    assert (report.purchases_created, report.rejected) == (1, 1)
    rejected = (tmp_path / "orders.csv.rejected.csv").read_text().splitlines()
    assert rejected[0].startswith("row,column,reason,order_id")
    assert rejected[1].startswith("3,amount,The amount must not be negative")


def test_an_order_id_twice_in_the_file_is_rejected(tmp_path):
    path = csv_file(
        tmp_path,
        f"A1,a@example.com,,{days_ago(3)},10.00,EUR,,\nA1,a@example.com,,{days_ago(2)},12.00,EUR,,\n",
    )
    with pytest.raises(ImportRejected) as exc:
        run(path)
    assert "more than once" in exc.value.report.errors[0].reason


def test_a_dry_run_counts_everything_and_writes_nothing(tmp_path):
    path = csv_file(tmp_path, f"A1,a@example.com,,{days_ago(3)},10.00,EUR,,\n")
    report = run(path, dry_run=True, preview_rows=5)
    assert (report.purchases_created, report.members_created, report.points_awarded) == (1, 1, 10)
    assert report.preview[0]["points"] == 10
    assert not Purchase.objects.exists()
    assert not Member.objects.exists()


# ---------------------------------------------------------------- files and values


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_utf8_with_or_without_bom_and_windows_1252_all_read(tmp_path, encoding):
    path = csv_file(
        tmp_path, f"A1,zoe@example.com,,{days_ago(3)},10.00,EUR,,Zoé Müller\n", encoding=encoding
    )
    run(path)
    assert Member.objects.get().first_name == "Zoé"


def test_a_row_without_a_zone_is_in_the_programs_time_zone(tmp_path, settings):
    settings.TIME_ZONE = "Europe/Paris"
    path = csv_file(tmp_path, "A1,a@example.com,,2024-07-01 12:00,10.00,EUR,,\n")
    run(path)
    assert Purchase.objects.get().purchased_at.isoformat() == "2024-07-01T10:00:00+00:00"


@pytest.mark.parametrize(
    ("amount", "expected"),
    [('"1,234.50"', "1234.50"), ("€12.00", "12.00"), ("12.00 EUR", "12.00"), ("7", "7.00")],
)
def test_amounts_with_separators_or_currency_are_read(tmp_path, amount, expected):
    path = csv_file(tmp_path, f"A1,a@example.com,,{days_ago(3)},{amount},EUR,,\n")
    run(path)
    assert Purchase.objects.get().amount == Decimal(expected)


def test_a_decimal_comma_is_refused_unless_asked_for(tmp_path):
    path = csv_file(tmp_path, f'A1,a@example.com,,{days_ago(3)},"1.234,50",EUR,,\n')
    with pytest.raises(ImportRejected) as exc:
        run(path)
    assert "--decimal-comma" in exc.value.report.errors[0].reason
    run(path, decimal_comma=True)
    assert Purchase.objects.get().amount == Decimal("1234.50")


@pytest.mark.parametrize(
    ("cells", "column", "reason"),
    [
        ("A1,a@example.com,,2024-02-30,10.00,EUR", "purchased_at", "impossible date"),
        ("A1,a@example.com,,30/01/2024,10.00,EUR", "purchased_at", "not an ISO 8601"),
        ("A1,a@example.com,,2999-01-01,10.00,EUR", "purchased_at", "in the future"),
        ("A1,a@example.com,,2024-01-01,10.00,XXX", "currency", "is unknown"),
        ("A1,a@example.com,,2024-01-01,10.00,USD", "currency", "not accepted"),
        ("A1,a@example.com,,2024-01-01,0,EUR", "amount", "more than zero"),
        ("A1,a@example.com,,2024-01-01,1.005,EUR", "amount", "at most 2 decimal places"),
        ("A1,not-an-email,,2024-01-01,1.00,EUR", "email", "not a valid email"),
        (",a@example.com,,2024-01-01,1.00,EUR", "order_id", "order id is empty"),
        ("A1,,C404,2024-01-01,1.00,EUR", "customer_id", "'C404' is unknown"),
    ],
)
def test_a_bad_value_is_reported_with_its_column_and_reason(tmp_path, cells, column, reason):
    path = csv_file(tmp_path, cells + ",,\n")
    with pytest.raises(ImportRejected) as exc:
        run(path)
    error = exc.value.report.errors[0]
    assert (error.row, error.column) == (2, column)
    assert reason in error.reason


def test_a_ragged_row_is_reported(tmp_path):
    path = csv_file(tmp_path, "A1,a@example.com\n")
    with pytest.raises(ImportRejected) as exc:
        run(path)
    assert "row has 2 fields, the header has 8" in exc.value.report.errors[0].reason


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "the file is empty"),
        (HEADER, "header but no rows"),
        ("order_id,email,amount\nA1,a@example.com,1\n", "missing required column(s): purchased_at"),
    ],
)
def test_a_bad_file_gets_one_clear_error(tmp_path, content, message):
    path = csv_file(tmp_path, content, header="")
    with pytest.raises(ImportFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run(path)


def test_a_huge_file_without_lines_is_refused_without_reading_it_whole(tmp_path):
    path = tmp_path / "huge.csv"
    with open(path, "wb") as fh:
        fh.write(HEADER.encode())
        fh.truncate(2 * 1024**3)  # 2 GB, sparse: no row ever ends (and NUL bytes: not text)
    with pytest.raises(ImportFileError, match="not a text"):
        run(path)


def test_a_text_line_over_the_limit_is_refused(tmp_path):
    path = tmp_path / "long.csv"
    path.write_bytes(HEADER.encode() + b"A" * 1_100_000)
    with pytest.raises(ImportFileError, match="longer than"):
        run(path)


def test_a_file_neither_utf8_nor_windows_1252_is_refused(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(HEADER.encode() + b"A1,\x81\x8d@example.com\xff\xfe\x9d\n")
    with pytest.raises(ImportFileError, match="neither UTF-8 nor Windows-1252"):
        run(path)


def test_headers_match_case_insensitively_and_map_renames(tmp_path):
    header = "ORDER ID,E-Mail,Buy Date,Paid\n"
    path = csv_file(tmp_path, f"A1,a@example.com,{days_ago(3)},10.00\n", header=header)
    run(path, mapping={"purchased_at": "buy date", "amount": "PAID"})
    assert Purchase.objects.get().amount == Decimal("10.00")


def test_the_shopify_preset_reads_an_orders_export_with_one_row_per_line(tmp_path):
    header = (
        "Name,Email,Financial Status,Currency,Subtotal,Shipping,Taxes,Total,Created at,"
        "Lineitem quantity,Lineitem name,Lineitem price,Lineitem sku,Billing Name\n"
    )
    when = (timezone.now() - timedelta(days=3)).strftime("%Y-%m-%d %H:%M:%S +0200")
    body = (
        f"#1001,ann@example.com,paid,EUR,40.00,5.00,0.00,45.00,{when},1,Mug,10.00,MUG,Ann Lee\n"
        "#1001,ann@example.com,,,,,,,,3,Tea,10.00,TEA,\n"
        f"#1002,bob@example.com,refunded,EUR,9.00,0,0,9.00,{when},1,Tea,9.00,TEA,Bob\n"
    )
    path = csv_file(tmp_path, body, header=header)
    report = run(path, preset="shopify")
    purchase = Purchase.objects.get(order_id="#1001")
    assert (purchase.amount, purchase.shipping_amount, purchase.points_earned) == (
        Decimal("45.00"),
        Decimal("5.00"),
        40,
    )
    assert sorted(purchase.lines.values_list("sku", flat=True)) == ["MUG", "TEA"]
    assert (report.purchases_created, report.refunded) == (2, 1)


def test_the_woocommerce_preset_reads_an_order_export(tmp_path):
    header = (
        "order_id,order_number,order_date,status,shipping_total,tax_total,order_total,"
        "order_currency,billing_first_name,billing_last_name,customer_email\n"
    )
    when = (timezone.now() - timedelta(days=3)).strftime("%Y-%m-%d %H:%M:%S")
    body = f"77,1077,{when},wc-completed,0.00,2.00,22.00,EUR,Ann,Lee,ann@example.com\n"
    path = csv_file(tmp_path, body, header=header)
    run(path, preset="woocommerce")
    purchase = Purchase.objects.get(order_id="1077")
    assert (purchase.points_earned, purchase.member.last_name) == (20, "Lee")


def test_an_xlsx_file_is_read(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Order ID", "Email", "Purchase date", "Amount"])
    sheet.append(
        ["X1", "a@example.com", timezone.now().replace(tzinfo=None) - timedelta(days=2), 12.5]
    )
    path = tmp_path / "orders.xlsx"
    book.save(path)
    run(path)
    assert Purchase.objects.get().amount == Decimal("12.50")


# ---------------------------------------------------------------- the command


def test_the_command_prints_a_summary(tmp_path, capsys):
    path = csv_file(tmp_path, f"A1,a@example.com,,{days_ago(3)},10.00,EUR,,\n")
    call_command("import_purchases", str(path))
    out = capsys.readouterr().out
    assert "purchases created" in out
    assert "members created                 1" in out


def test_the_command_fails_with_one_line_on_a_bad_file(tmp_path):
    path = csv_file(tmp_path, "", header="")
    with pytest.raises(CommandError, match="the file is empty"):
        call_command("import_purchases", str(path))


def test_the_command_fails_on_invalid_rows_and_lists_them(tmp_path, capsys):
    path = csv_file(tmp_path, f"A1,a@example.com,,{days_ago(3)},abc,EUR,,\n")
    with pytest.raises(CommandError, match="1 invalid row"):
        call_command("import_purchases", str(path))
    assert "row 2, column amount: 'abc' is not an amount" in capsys.readouterr().err


def test_the_command_refuses_a_missing_file():
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_purchases", "/nonexistent/orders.csv")


# ---------------------------------------------- the admin (upload, preview, confirm)


@pytest.fixture
def staff_client(client, settings, tmp_path):
    from tests.factories import UserFactory

    settings.MEDIA_ROOT = tmp_path / "media"
    staff = UserFactory(email="staff@example.com", is_staff=True, is_superuser=True)
    client.force_login(staff)
    return client


def upload(staff_client, django_capture_on_commit_callbacks, content: str, **fields):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from rewards.models import ImportJob

    data = {"file": SimpleUploadedFile("orders.csv", content.encode()), "award_points": "on"}
    data.update(fields)
    response = staff_client.post("/admin/rewards/importjob/add/", data)
    assert response.status_code == 302, response.content
    job = ImportJob.objects.get()
    # Step 2: the columns as the admin offers them (recognised by their names), then checked.
    form = staff_client.get(f"/admin/rewards/importjob/{job.pk}/change/").context["form"]
    chosen = {name: form[name].value() or "" for name in form.fields}
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(f"/admin/rewards/importjob/{job.pk}/columns/", chosen)
    job.refresh_from_db()
    return job


def test_an_admin_upload_is_previewed_without_writing_anything(
    staff_client, django_capture_on_commit_callbacks
):
    job = upload(
        staff_client,
        django_capture_on_commit_callbacks,
        HEADER + f"A1,a@example.com,,{days_ago(3)},10.00,EUR,,\n",
    )
    assert job.status == "previewed"
    assert job.summary["preview"][0]["points"] == 10
    assert not Purchase.objects.exists()
    page = staff_client.get(f"/admin/rewards/importjob/{job.pk}/change/")
    assert b"Confirm: import these purchases" in page.content


def test_confirming_an_admin_import_writes_it(staff_client, django_capture_on_commit_callbacks):
    job = upload(
        staff_client,
        django_capture_on_commit_callbacks,
        HEADER + f"A1,a@example.com,,{days_ago(3)},10.00,EUR,,\n",
    )
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(f"/admin/rewards/importjob/{job.pk}/confirm/")
    job.refresh_from_db()
    assert (job.status, job.summary["purchases_created"]) == ("done", 1)
    assert balance(Member.objects.get(email="a@example.com")) == 10


def test_an_admin_upload_with_bad_rows_offers_them_for_download(
    staff_client, django_capture_on_commit_callbacks
):
    job = upload(
        staff_client,
        django_capture_on_commit_callbacks,
        HEADER + f"A1,a@example.com,,{days_ago(3)},oops,EUR,,\n",
    )
    assert job.status == "rejected"
    download = staff_client.get(f"/admin/rewards/importjob/{job.pk}/rejected/")
    body = b"".join(download.streaming_content).decode()
    assert "2,amount,'oops' is not an amount" in body
    page = staff_client.get(f"/admin/rewards/importjob/{job.pk}/change/")
    assert b"Confirm: import these purchases" not in page.content


def test_a_confirm_of_a_job_that_was_not_checked_is_refused(
    staff_client, django_capture_on_commit_callbacks
):
    job = upload(
        staff_client,
        django_capture_on_commit_callbacks,
        HEADER + f"A1,a@example.com,,{days_ago(3)},oops,EUR,,\n",
    )
    staff_client.post(f"/admin/rewards/importjob/{job.pk}/confirm/")
    job.refresh_from_db()
    assert job.status == "rejected"
    assert not Purchase.objects.exists()


def test_imported_history_moves_members_up_a_tier_like_live_purchases(tmp_path):
    silver = TierFactory(name="Silver", threshold=Decimal("150"), period="rolling_12")
    body = "".join(
        f"T{i},tia@example.com,,{days_ago(20 + i)},100.00,EUR,completed,Tia Ray\n" for i in range(2)
    )
    body += f"U1,ugo@example.com,,{days_ago(20)},100.00,EUR,completed,Ugo Ray\n"
    run(csv_file(tmp_path, body))
    assert Member.objects.get(email="tia@example.com").tier == silver
    assert Member.objects.get(email="ugo@example.com").tier is None


# ---------------------------------------------------------------- read once, members by COPY


def test_pass_2_writes_what_pass_1_parsed_without_reading_the_file_again(tmp_path):
    path = csv_file(tmp_path, f"R1,r@example.com,,{days_ago(3)},10.00,EUR,,Rae\n")

    def progress(phase, *_):
        if phase == "validating" and path.exists():  # pass 1 has read the (one-batch) file
            path.unlink()

    report = import_purchases(path, Options(), progress=progress)
    assert not path.exists()
    assert (report.purchases_created, report.points_awarded) == (1, 10)
    assert Purchase.objects.get().member.email == "r@example.com"


def test_a_member_created_by_the_import_is_the_member_enrolment_creates(tmp_path):
    from members.services import enroll_member

    run(csv_file(tmp_path, f"M1,imported@example.com,X9,{days_ago(3)},10.00,EUR,,Ida Bell\n"))
    imported = Member.objects.get(email="imported@example.com")  # COPY on PostgreSQL
    enrolled = enroll_member(
        email="enrolled@example.com",
        first_name="Ida",
        last_name="Bell",
        external_id="X8",
        enrolled_at=imported.enrolled_at,
    )
    differ = {"id", "email", "external_id", "card_code", "created_at", "updated_at"}
    balances = {"points_balance", "pending_points"}  # the import credited its purchase

    def fields(member):
        member.refresh_from_db()
        return {
            f.attname: getattr(member, f.attname)
            for f in Member._meta.concrete_fields
            if f.attname not in differ | balances
        }

    assert fields(imported) == fields(enrolled)
    assert len(imported.card_code) == len(enrolled.card_code)
    assert imported.created_at is not None and imported.updated_at is not None


def test_the_cycle_collector_is_on_again_after_an_import_even_a_refused_one(tmp_path):
    import gc

    run(csv_file(tmp_path, f"G1,g@example.com,,{days_ago(3)},10.00,EUR,,\n"))
    assert gc.isenabled()
    with pytest.raises(ImportRejected):
        run(csv_file(tmp_path, f"G2,g@example.com,,{days_ago(3)},oops,EUR,,\n", name="b.csv"))
    assert gc.isenabled()
