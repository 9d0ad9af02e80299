"""Record purchases through the API under gunicorn, against the same statements replayed (same run).

gunicorn serves the bench database on a free port of 127.0.0.1; a load generator in this
process (threads with keep-alive ``http.client`` connections, bounded in requests and
time) sends ``POST /api/v1/purchases/`` (an API key, an Idempotency-Key, a new order
each time) from 8 clients. The floor, measured in the same run: the statements one such
request sent (captured from the code by ``bench/floor.py``: the key's look-up, the
idempotency record, the purchase, its ledger rows, the stored response), replayed with
psycopg on other members, orders and keys, one transaction each, from as many client
threads, each with its own connection. Ours and the floor run in interleaved rounds;
the figure is ours ÷ floor in throughput (goal at least 0.6), and p99 ÷ p50 of ours
(goal at most 3).

BENCH_API_WORKERS, BENCH_API_THREADS and BENCH_API_CONCURRENCY override the gunicorn
workers (3), threads per worker (2) and client connections (8).
"""

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from django.db import connection
from django.test import Client

from bench import floor
from bench.purchases import check_floor, summary
from members.models import Member
from rewards.models import ApiKey, Channel, Program

HOST = "127.0.0.1"
DEFAULT_N = 2_000
ROUNDS = 3
CONCURRENCY = int(os.environ.get("BENCH_API_CONCURRENCY", "8"))
WORKERS = int(os.environ.get("BENCH_API_WORKERS", "3"))
THREADS = int(os.environ.get("BENCH_API_THREADS", "2"))
TIME_LIMIT = 60.0  # seconds per phase, whatever N
MEMBERS = 500
GOAL, LATENCY_GOAL = 0.6, 3.0
ROOT = Path(__file__).resolve().parent.parent


def server_cpu(pid: int) -> float:
    """CPU seconds used so far by gunicorn's workers (Linux ``/proc``; 0 elsewhere)."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        total = 0
        for child in children:
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    except OSError:
        return 0.0
    return total / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    return f"postgres://{user}{password}@{host}:{db.get('PORT') or 5432}/{db['NAME']}"


def start_server(port: int) -> subprocess.Popen:
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
            f"{HOST}:{port}",
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
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/health/")
            if conn.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"gunicorn did not answer on {HOST}:{port} within 30 s")


def load(n: int, open_client, one) -> dict:
    """``n`` operations from CONCURRENCY threads, stopping at TIME_LIMIT; latencies in ms.

    ``open_client()`` gives a thread its client; ``one(client, i)`` does operation ``i``
    and returns its outcome (None when it went as expected) and the client to go on with.
    """
    latencies: list[float] = []
    failures = []
    counter = iter(range(n))
    lock = threading.Lock()
    stop_at = time.monotonic() + TIME_LIMIT

    def worker():
        client = open_client()
        try:
            while time.monotonic() < stop_at:
                with lock:
                    i = next(counter, None)
                if i is None:
                    return
                began = time.perf_counter()
                failure, client = one(client, i)
                elapsed = (time.perf_counter() - began) * 1000
                with lock:
                    latencies.append(elapsed)
                    if failure is not None:
                        failures.append(failure)
        finally:
            client.close()

    began = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(CONCURRENCY)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    return {"seconds": seconds, "latencies": latencies, "failures": failures}


def http_client(port: int):
    def open_client():
        return http.client.HTTPConnection(HOST, port, timeout=30)

    def one(conn, request):
        method, path, body, headers = request
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            return repr(exc), open_client()
        return (None if status == 201 else status), conn

    return open_client, one


def stats(results: list[dict]) -> dict:
    latencies = sorted(x for result in results for x in result["latencies"])
    done = len(latencies)
    failures = [f for result in results for f in result["failures"]]
    return {
        "requests": done,
        "rps": [len(r["latencies"]) / r["seconds"] for r in results if r["seconds"]],
        "p50": statistics.median(latencies) if latencies else 0.0,
        "p99": latencies[min(done - 1, int(done * 0.99))] if latencies else 0.0,
        "failures": len(failures),
        "first_failure": failures[0] if failures else None,
    }


def report(label: str, result: dict) -> None:
    print(
        f"{label}: {result['requests']} purchases, {summary(result['rps'])}/s, "
        f"p50 {result['p50']:.1f} ms, p99 {result['p99']:.1f} ms"
        + (
            f", {result['failures']} failed (first: {result['first_failure']})"
            if result["failures"]
            else ""
        )
    )


def purchase_request(auth: dict, member_id: int, order_id: str, key: str):
    body = {"channel": "web", "order_id": order_id, "amount": "54.99", "member_id": member_id}
    headers = {**auth, "Content-Type": "application/json", "Idempotency-Key": key}
    return "POST", "/api/v1/purchases/", json.dumps(body), headers


def capture(auth: dict, members: list[int]) -> floor.Script:
    """The statements of one API purchase, sent in this process by Django's test client."""
    client = Client(headers={"Host": HOST})

    def make(member_id, order_id, key):
        _, path, body, headers = purchase_request(auth, member_id, order_id, key)

        def send():
            response = client.post(
                path, body, content_type="application/json", headers=headers | {"Host": HOST}
            )
            assert response.status_code == 201, response.content

        return send

    make(members[0], "API-WARM", "API-WARM")()  # settings cached, the key's last use noted
    return floor.capture(
        make,
        {"member_id": members[1], "order_id": "API-CAPTURE-A", "key": "KEY-A"},
        {"member_id": members[2], "order_id": "API-CAPTURE-B", "key": "KEY-B"},
    )


def run(n: int | None = None) -> None:
    n = n or DEFAULT_N
    # get_or_create: the purchases benchmark may have run first on the same database.
    if not Program.objects.exists():
        Program.objects.create(name="Bench", currency="EUR", return_window_days=14)
    Channel.objects.get_or_create(code="web", defaults={"name": "Web"})
    Member.objects.bulk_create(Member(email=f"api{i}@bench.test") for i in range(MEMBERS))
    Member.objects.bulk_create(Member(email=f"apif{i}@bench.test") for i in range(MEMBERS))
    ours = list(
        Member.objects.filter(email__startswith="api")
        .exclude(email__startswith="apif")
        .values_list("pk", flat=True)
    )
    theirs = list(Member.objects.filter(email__startswith="apif").values_list("pk", flat=True))
    _, full_key = ApiKey.issue(name="bench", scopes=["read", "earn"])
    auth = {"Authorization": f"Api-Key {full_key}"}
    script = None
    if connection.vendor == "postgresql":
        script = capture(auth, theirs)
        print(
            f"floor: {script.statements} statements of one API purchase, captured from the "
            f"view and replayed with psycopg ({script.kept} clock values kept)"
        )
    else:
        print("floor: measured on PostgreSQL only (set DATABASE_URL)")
    connection.close()  # the server's workers open their own connections

    port = free_port()
    print(
        f"gunicorn: {WORKERS} gthread workers x {THREADS} threads on {HOST}:{port}; "
        f"load: {CONCURRENCY} keep-alive connections, N={n} in {ROUNDS} rounds, "
        f"at most {TIME_LIMIT:.0f}s per phase"
    )
    open_http, send = http_client(port)

    def ours_one(phase):
        def one(conn, i):
            request = purchase_request(auth, ours[i % MEMBERS], f"{phase}-{i}", f"{phase}-{i}")
            return send(conn, request)

        return one

    def floor_one(phase):
        def one(db, i):
            return replay(db, f"FA{phase}-{i}", theirs[i % MEMBERS])

        return one

    def replay(db, key, member_id):
        try:
            script.run(db.connection, member_id=member_id, order_id=key, key=key)
        except Exception as exc:  # a floor that fails is reported, not timed as a success
            db.connection.rollback()
            db.connection.autocommit = True
            return repr(exc), db
        return None, db

    def open_floor():
        return floor.new_connection()[0]

    server = start_server(port)
    ours_results, floor_results, cpu = [], [], 0.0
    try:
        load(min(n, 200), open_http, ours_one("warm"))
        per_round = n // ROUNDS
        for r in range(ROUNDS):
            cpu_began = server_cpu(server.pid)
            ours_results.append(load(per_round, open_http, ours_one(f"r{r}")))
            cpu += server_cpu(server.pid) - cpu_began
            if script is not None:
                floor_results.append(load(per_round, open_floor, floor_one(f"r{r}")))
    finally:
        os.killpg(server.pid, 15)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, 9)
    result = stats(ours_results)
    report("ours (POST /api/v1/purchases/)", result)
    if cpu:
        print(f"CPU of the gunicorn workers per purchase: {cpu * 1000 / result['requests']:.2f} ms")
    print(f"latency: p99 / p50 = {result['p99'] / result['p50']:.2f} (goal <= {LATENCY_GOAL})")
    if script is None:
        return
    floor_result = stats(floor_results)
    check_floor("FA", floor_result["requests"] - floor_result["failures"])
    report("floor (the same statements, psycopg)", floor_result)
    ratios = [a / b for a, b in zip(result["rps"], floor_result["rps"], strict=True)]
    print(
        f"figure: ours / floor = {summary(ratios, '{:.2f}')} "
        f"(median of {ROUNDS} interleaved rounds, min-max; goal >= {GOAL})"
    )
