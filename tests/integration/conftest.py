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


def start_worker(name: str, **extra_env: str) -> subprocess.Popen:
    """A ``celery worker`` subprocess on the test database, answering pings; ``extra_env``
    sets environment variables of that worker only (e.g. a short visibility timeout)."""
    from loyalty.celery import app

    env = {**os.environ, "DATABASE_URL": database_url(), "CONN_MAX_AGE": "0", **extra_env}
    node = f"{name}-{os.getpid()}@%h"
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
            node,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    prefix = node.split("@")[0] + "@"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the worker exited at start:\n{process.stdout.read()}")
        replies = app.control.ping(timeout=0.5) or []
        if any(name.startswith(prefix) for reply in replies for name in reply):
            return process
    process.kill()
    pytest.fail("the worker did not answer a ping within 60 s")


def stop_worker(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=20)


def needs_worker():
    if connection.vendor != "postgresql" or not settings.CELERY_BROKER_URL:
        if os.environ.get("CI") and os.environ.get("REDIS_URL"):
            pytest.fail("CI's PostgreSQL + Redis run must not skip the real-worker tests")
        pytest.skip("needs PostgreSQL (DATABASE_URL) and a broker (REDIS_URL) for a real worker")


def forget_messages(app) -> None:
    """Drop queued messages and those delivered but never acknowledged (a killed worker's),
    so that no test's task is redelivered into the next test."""
    app.control.purge()
    with app.connection_for_write() as conn:
        conn.default_channel.client.delete("unacked", "unacked_index")


@pytest.fixture
def celery_broker(transactional_db):
    """An empty broker queue and non-eager tasks, for tests that start their own workers."""
    needs_worker()
    from loyalty.celery import app

    app.conf.task_always_eager = False
    forget_messages(app)
    yield app
    forget_messages(app)
    app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER


@pytest.fixture
def celery_worker_process(celery_broker):
    """Start ``celery worker`` in a subprocess on the test database; stop it afterwards."""
    process = start_worker("test")
    yield process
    stop_worker(process)
