"""Record purchases through the API under gunicorn, next to a constant DRF endpoint (same run).

gunicorn serves the bench database on 127.0.0.1:8708; a load generator in this process
(threads with keep-alive ``http.client`` connections, bounded in requests and time) first
calls ``GET /api/v1/ping/`` (authenticated by the same API key, returns a constant), then
``POST /api/v1/purchases/`` (with an Idempotency-Key, a new order each time). The figure
is purchases/s ÷ ping/s; the target is at least 0.5 on PostgreSQL.

BENCH_API_WORKERS, BENCH_API_THREADS and BENCH_API_CONCURRENCY override the gunicorn
workers (3), threads per worker (2) and client connections (8).
"""

import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from django.db import connection

from members.models import Member
from rewards.models import ApiKey, Channel, Program

HOST, PORT = "127.0.0.1", 8708
DEFAULT_N = 2_000
CONCURRENCY = int(os.environ.get("BENCH_API_CONCURRENCY", "8"))
WORKERS = int(os.environ.get("BENCH_API_WORKERS", "3"))
THREADS = int(os.environ.get("BENCH_API_THREADS", "2"))
TIME_LIMIT = 60.0  # seconds per phase, whatever N
MEMBERS = 500
ROOT = Path(__file__).resolve().parent.parent


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    return f"postgres://{user}{password}@{host}:{db.get('PORT') or 5432}/{db['NAME']}"


def start_server() -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CELERY_BROKER_URL"}} | {
        "DATABASE_URL": database_url(),
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-" + "x" * 50,
        "ALLOWED_HOSTS": HOST,
        "SECURE_SSL_REDIRECT": "false",
        "API_RATE_LIMIT": "100000000/min",
        "LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "loyalty.wsgi",
            "--bind",
            f"{HOST}:{PORT}",
            "--workers",
            str(WORKERS),
            "--worker-class",
            "gthread",
            "--threads",
            str(THREADS),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited at start")
        try:
            conn = http.client.HTTPConnection(HOST, PORT, timeout=2)
            conn.request("GET", "/health/")
            if conn.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"gunicorn did not answer on {HOST}:{PORT} within 30 s")


def load(n: int, make_request, expected: int) -> dict:
    """``n`` requests from CONCURRENCY threads, stopping at TIME_LIMIT; latencies in ms."""
    latencies: list[float] = []
    failures = []
    counter = iter(range(n))
    lock = threading.Lock()
    stop_at = time.monotonic() + TIME_LIMIT

    def worker(thread_no: int):
        conn = http.client.HTTPConnection(HOST, PORT, timeout=30)
        while time.monotonic() < stop_at:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            method, path, body, headers = make_request(thread_no, i)
            began = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                conn = http.client.HTTPConnection(HOST, PORT, timeout=30)
                status = repr(exc)
            elapsed = (time.perf_counter() - began) * 1000
            with lock:
                latencies.append(elapsed)
                if status != expected:
                    failures.append(status)

    began = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(t,)) for t in range(CONCURRENCY)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    latencies.sort()
    done = len(latencies)
    return {
        "requests": done,
        "seconds": seconds,
        "rps": done / seconds if seconds else 0.0,
        "p50": statistics.median(latencies) if latencies else 0.0,
        "p99": latencies[min(done - 1, int(done * 0.99))] if latencies else 0.0,
        "failures": len(failures),
        "first_failure": failures[0] if failures else None,
    }


def report(label: str, result: dict) -> None:
    print(
        f"{label}: {result['requests']} requests in {result['seconds']:.2f}s = "
        f"{result['rps']:,.0f} req/s, p50 {result['p50']:.1f} ms, p99 {result['p99']:.1f} ms"
        + (
            f", {result['failures']} failed (first: {result['first_failure']})"
            if result["failures"]
            else ""
        )
    )


def run(n: int | None = None) -> None:
    n = n or DEFAULT_N
    # get_or_create: the purchases benchmark may have run first on the same database.
    if not Program.objects.exists():
        Program.objects.create(name="Bench", currency="EUR", return_window_days=14)
    Channel.objects.get_or_create(code="web", defaults={"name": "Web"})
    Member.objects.bulk_create(Member(email=f"api{i}@bench.test") for i in range(MEMBERS))
    member_ids = list(Member.objects.values_list("pk", flat=True))
    _, full_key = ApiKey.issue(name="bench", scopes=["read", "earn"])
    auth = {"Authorization": f"Api-Key {full_key}"}
    connection.close()  # the server's workers open their own connections

    def ping(thread_no, i):
        return "GET", "/api/v1/ping/", None, auth

    def purchase(thread_no, i):
        body = json.dumps(
            {
                "channel": "web",
                "order_id": f"{phase}-{i}",
                "amount": f"{10 + i % 90}.99",
                "member_id": member_ids[i % len(member_ids)],
            }
        )
        headers = {
            **auth,
            "Content-Type": "application/json",
            "Idempotency-Key": f"{phase}-{i}",
        }
        return "POST", "/api/v1/purchases/", body, headers

    print(
        f"gunicorn: {WORKERS} gthread workers x {THREADS} threads on {HOST}:{PORT}; "
        f"load: {CONCURRENCY} keep-alive connections, N={n}, at most {TIME_LIMIT:.0f}s per phase"
    )
    server = start_server()
    try:
        phase = "warm"
        load(min(n, 200), ping, 200)
        load(min(n, 200), purchase, 201)
        phase = "run"
        ping_result = load(n, ping, 200)
        purchase_result = load(n, purchase, 201)
    finally:
        os.killpg(server.pid, 15)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, 9)
    report("baseline (GET /api/v1/ping/, constant)", ping_result)
    report("purchases (POST /api/v1/purchases/)", purchase_result)
    print(
        f"figure: purchases / ping throughput = {purchase_result['rps'] / ping_result['rps']:.3f} "
        "(target >= 0.5 on PostgreSQL)"
    )
