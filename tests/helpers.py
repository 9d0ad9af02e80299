"""Small helpers for the tests: balances from the database, ledger checks, thread races."""

import threading

from django.db import connections

from loyalty.errors import ApplicationError
from members.models import Member
from rewards.selectors import ledger_drift


def balance(member) -> int:
    return Member.objects.get(pk=member.pk).points_balance


def pending(member) -> int:
    return Member.objects.get(pk=member.pk).pending_points


def assert_ledger_consistent():
    drift = ledger_drift()
    assert drift == [], drift


def run_at_once(n, target):
    """Run ``target(i)`` in ``n`` threads released at the same instant; the results.

    Results come in the order the threads finished. Each thread closes its own database
    connection. An unexpected exception in a thread is raised here once all have ended.
    """
    barrier = threading.Barrier(n)
    results, errors, lock = [], [], threading.Lock()

    def run(i):
        try:
            barrier.wait()
            result = target(i)
            with lock:
                results.append(result)
        except Exception as exc:  # noqa: BLE001 - re-raised below, in the test's thread
            with lock:
                errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]
    return results


def race(n, target):
    """``run_at_once`` of a service call: ``("ok", result)`` or ``("refused", error code)``."""

    def attempt(i):
        try:
            return ("ok", target(i))
        except ApplicationError as exc:
            return ("refused", exc.code)

    return run_at_once(n, attempt)
