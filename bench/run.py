#!/usr/bin/env python
"""Run benchmarks on a throwaway database: `python bench/run.py [NAME ...] [--n N]`.

The database is the one the settings point at (SQLite file by default, DATABASE_URL
for PostgreSQL), but a separate test database is created for the run and dropped
after it, so benchmarks never touch real data.
"""

import argparse
import importlib
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCHMARKS = [
    "purchases",
    "expiry",
    "tiers",
    "reports",
    "api",
    "import_purchases",
    "closed_periods",
    "segments",
    "message_queue",
    "dashboard",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "names", nargs="*", help=f"benchmarks to run (default: all of {BENCHMARKS})"
    )
    parser.add_argument(
        "--n", type=int, default=None, help="size of the run (each benchmark's default)"
    )
    args = parser.parse_args()
    unknown = set(args.names) - set(BENCHMARKS)
    if unknown:
        parser.error(
            f"unknown benchmark(s): {', '.join(sorted(unknown))}; known: {', '.join(BENCHMARKS)}"
        )

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loyalty.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    settings.DEBUG = False  # as in production: no query log kept by every cursor

    if connection.vendor == "sqlite":
        # A file, not memory: the same kind of database `make run` uses.
        connection.settings_dict["TEST"]["NAME"] = str(Path(tempfile.mkdtemp()) / "bench.sqlite3")
    from loyalty.celery import app

    app.conf.task_always_eager = True
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
    try:
        for name in args.names or BENCHMARKS:
            module = importlib.import_module(f"bench.{name}")
            print(f"\n== {name}: {module.__doc__.strip().splitlines()[0]}")
            module.run(n=args.n)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
