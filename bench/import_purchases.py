"""Import N historical purchases from a CSV, against django-import-export and PostgreSQL COPY.

The CSV has N rows (default 1,000,000) for N/10 distinct members (100,000 by default),
over the last three years, so members are created, points awarded, lots created and
most of them expired by the same import. Our importer runs as ``manage.py
import_purchases`` in a child process, so its peak memory (ru_maxrss) is its own.
Baselines measured in the same run: (1) a plain django-import-export ``ModelResource``
import of the first 10,000 rows (row by row, no points), (2) on PostgreSQL, ``COPY`` of
the whole file into a bare table of the same columns. For reference, also on PostgreSQL:
the database's own floor, the time PostgreSQL alone takes to write the same purchases,
ledger entries, lots and movements with ``INSERT ... SELECT`` from the file already
loaded into a table, foreign keys checked (rolled back).
"""

import csv
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import tablib
from django.db import connection, transaction
from django.utils import timezone
from import_export import fields, resources, widgets

from members.models import Member
from rewards.models import Channel, EarnRule, Program, Purchase

DEFAULT_N = 1_000_000
NAIVE_ROWS = int(os.environ.get("BENCH_NAIVE_ROWS", "10000"))  # its rows: ~30-300 a second
ROOT = Path(__file__).resolve().parent.parent
HEADER = ["order_id", "email", "customer_id", "purchased_at", "amount", "currency", "status"]


def generate(path: Path, n: int) -> None:
    members = max(1, n // 10)
    now = timezone.now().replace(microsecond=0)
    start = now - timedelta(days=3 * 365)
    step = (now - timedelta(hours=1) - start) / n
    with open(path, "w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(HEADER)
        for i in range(n):
            member = (i * 7919) % members
            when = start + step * i
            out.writerow(
                [
                    f"ORD-{i:08d}",
                    f"customer{member}@example.com",
                    f"C{member:07d}",
                    when.isoformat(timespec="seconds"),
                    f"{10 + (i * 37) % 990}.{i % 100:02d}",
                    "EUR",
                    "refunded" if i % 50 == 0 else "completed",
                ]
            )


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    return f"postgres://{user}{password}@{host}:{db.get('PORT') or 5432}/{db['NAME']}"


class NaivePurchaseResource(resources.ModelResource):
    """What a first django-import-export setup looks like: one save per row."""

    channel = fields.Field(
        attribute="channel", column_name="channel", widget=widgets.ForeignKeyWidget(Channel, "code")
    )
    purchased_at = fields.Field(
        attribute="purchased_at",
        column_name="purchased_at",
        widget=widgets.DateTimeWidget(format="%Y-%m-%dT%H:%M:%S%z"),
    )
    member = fields.Field(
        attribute="member", column_name="email", widget=widgets.ForeignKeyWidget(Member, "email")
    )

    class Meta:
        model = Purchase
        fields = ("channel", "order_id", "member", "purchased_at", "amount", "currency")
        import_id_fields = ("channel", "order_id")
        skip_unchanged = True


def naive(path: Path) -> tuple[int, float]:
    dataset = tablib.Dataset(headers=[*HEADER, "channel"])
    with open(path, newline="") as fh:
        rows = csv.reader(fh)
        next(rows)
        for i, row in enumerate(rows):
            if i >= NAIVE_ROWS:
                break
            dataset.append([*row, "naive"])
    began = time.perf_counter()
    result = NaivePurchaseResource().import_data(dataset, dry_run=False, raise_errors=True)
    seconds = time.perf_counter() - began
    assert not result.has_errors()
    return len(dataset), seconds


def copy_baseline(path: Path) -> float:
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_copy_purchase (order_id varchar(100), email varchar(254), "
            "customer_id varchar(100), purchased_at timestamptz, amount numeric(14, 2), "
            "currency varchar(3), status varchar(20))"
        )
    began = time.perf_counter()
    with connection.cursor() as cursor:
        _copy_file(cursor, path)
    return time.perf_counter() - began


def _copy_file(cursor, path: Path) -> None:
    sql = "COPY bench_copy_purchase FROM STDIN WITH (FORMAT csv, HEADER true)"
    with cursor.cursor.copy(sql) as copy, open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            copy.write(chunk)


class _Rollback(Exception):
    pass


def database_floor(path: Path) -> float:
    """Seconds for PostgreSQL alone to write the rows our import writes (rolled back)."""
    channel = Channel.objects.create(code="floor", name="Database floor")
    began = 0.0
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("TRUNCATE bench_copy_purchase")
            _copy_file(cursor, path)
            cursor.execute("ANALYZE bench_copy_purchase")
            began = time.perf_counter()
            cursor.execute(
                "INSERT INTO rewards_purchase (channel_id, order_id, member_id, purchased_at, "
                "currency, amount, shipping_amount, tax_amount, eligible_amount, "
                "refunded_amount, status, points_earned, earn_breakdown, created_at) "
                "SELECT %s, s.order_id, m.id, s.purchased_at, s.currency, s.amount, 0, 0, "
                "s.amount, 0, 'completed', floor(s.amount)::int, '[]'::jsonb, now() "
                "FROM bench_copy_purchase s JOIN members_member m ON lower(m.email) = s.email",
                [channel.pk],
            )
            cursor.execute(
                "INSERT INTO rewards_ledgerentry (member_id, kind, points, pending_points, "
                "shortfall, description, reason, purchase_id, reference, created_at, "
                "effective_at, idempotency_key) SELECT member_id, 'earn', points_earned, 0, 0, "
                "'Purchase #' || order_id, '', id, 'floor', now(), purchased_at, "
                "'floor:' || id FROM rewards_purchase WHERE channel_id = %s",
                [channel.pk],
            )
            cursor.execute(
                "INSERT INTO rewards_pointlot (member_id, entry_id, purchase_id, status, "
                "is_debt, points, remaining, earned_at, expires_at) SELECT member_id, id, "
                "purchase_id, 'available', false, points, points, effective_at, "
                "effective_at + interval '12 months' FROM rewards_ledgerentry "
                "WHERE reference = 'floor'"
            )
            cursor.execute(
                "INSERT INTO rewards_lotmovement (entry_id, lot_id, points) "
                "SELECT l.entry_id, l.id, l.points FROM rewards_pointlot l "
                "JOIN rewards_ledgerentry e ON e.id = l.entry_id WHERE e.reference = 'floor'"
            )
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the foreign-key checks
            seconds = time.perf_counter() - began
            raise _Rollback
    except _Rollback:
        pass
    return seconds


def run(n: int | None = None) -> None:
    n = n or DEFAULT_N
    Program.objects.create(name="Bench", currency="EUR", return_window_days=14)
    Channel.objects.get_or_create(code="web", defaults={"name": "Web"})
    Channel.objects.create(code="naive", name="Naive baseline")
    EarnRule.objects.create(name="Double weekend", weekdays="6,7", multiplier=2)
    work = Path(tempfile.mkdtemp())
    path = work / "purchases.csv"
    generate(path, n)
    print(f"file: {n:,} rows, {max(1, n // 10):,} members, {path.stat().st_size / 1e6:.0f} MB")

    env = {**os.environ, "DATABASE_URL": database_url(), "CONN_MAX_AGE": "0"}
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "import_purchases", str(path)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    ours_seconds = time.perf_counter() - began
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if done.returncode:
        print(done.stdout, done.stderr)
        raise SystemExit("the import failed")
    print(done.stdout.strip())
    created = Purchase.objects.filter(channel__code="web").count()
    ours_rate = n / ours_seconds
    print(
        f"ours: {n:,} rows ({created:,} purchases) in {ours_seconds:.1f}s "
        f"= {ours_rate:,.0f} rows/s, peak memory {peak_mb:.0f} MB"
    )

    naive_rows, naive_seconds = naive(path)
    naive_rate = naive_rows / naive_seconds
    print(
        f"baseline 1 (django-import-export ModelResource, first {naive_rows:,} rows): "
        f"{naive_seconds:.1f}s = {naive_rate:,.0f} rows/s"
    )
    print(f"figure: ours / naive = {ours_rate / naive_rate:.1f}x (target >= 50x)")

    if connection.vendor == "postgresql":
        copy_seconds = copy_baseline(path)
        copy_rate = n / copy_seconds
        print(
            f"baseline 2 (COPY into a bare table): {n:,} rows in {copy_seconds:.1f}s "
            f"= {copy_rate:,.0f} rows/s"
        )
        print(f"figure: COPY / ours = {copy_rate / ours_rate:.1f}x slower than COPY (target <= 5x)")
        floor_seconds = database_floor(path)
        print(
            f"for reference, the database alone (INSERT ... SELECT of the same purchases, "
            f"entries, lots and movements from the loaded file, foreign keys checked): "
            f"{floor_seconds:.1f}s = {n / floor_seconds:,.0f} rows/s, "
            f"{copy_rate / (n / floor_seconds):.1f}x slower than COPY"
        )
        print(
            f"figure: ours / the database's floor = {ours_seconds / floor_seconds:.2f}x "
            "(target <= 1.5x)"
        )
    else:
        print("baseline 2 (COPY): needs PostgreSQL (DATABASE_URL=postgres://...)")
    print(f"figure: peak memory {peak_mb:.0f} MB (target < 300 MB)")
    path.unlink()
