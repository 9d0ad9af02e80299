"""A real Celery worker against Redis and the test database, for the integration tests."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


@pytest.fixture
def celery_worker_process(transactional_db):
    """Start ``celery worker`` in a subprocess on the test database; stop it afterwards."""
    if connection.vendor != "postgresql" or not settings.CELERY_BROKER_URL:
        if os.environ.get("CI") and os.environ.get("REDIS_URL"):
            pytest.fail("CI's PostgreSQL + Redis run must not skip the real-worker tests")
        pytest.skip("needs PostgreSQL (DATABASE_URL) and a broker (REDIS_URL) for a real worker")
    from loyalty.celery import app

    app.conf.task_always_eager = False
    app.control.purge()
    env = {**os.environ, "DATABASE_URL": database_url(), "CONN_MAX_AGE": "0"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "loyalty",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"test-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the worker exited at start:\n{process.stdout.read()}")
        if app.control.ping(timeout=0.5):
            break
    else:
        process.kill()
        pytest.fail("the worker did not answer a ping within 60 s")
    yield process
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
    app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER
