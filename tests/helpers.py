"""Small helpers for the tests: balances from the database, ledger checks, thread races."""

import threading
from html.parser import HTMLParser

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


def admin_form_data(response) -> dict:
    """The POST data of an admin form page as it was shown (initial values, inline
    management forms), for a test to change a few fields and submit."""
    context = response.context
    form = context["adminform"].form if "adminform" in context else context["form"]
    data = {}
    for bound in form:
        names = [bound.html_name]
        if bound.field.show_hidden_initial:  # as a browser posts it, to tell what changed
            names.append(bound.html_initial_name)
        for name in names:
            _put(data, name, bound.value(), bound.field.widget)
    for inline in context.get("inline_admin_formsets", []):
        for bound in inline.formset.management_form:
            data[bound.html_name] = bound.value()
    return data


def _put(data: dict, name: str, value, widget) -> None:
    if value is None or value == "":
        return
    if hasattr(widget, "widgets"):  # a split date and time
        parts = widget.decompress(value) if not isinstance(value, list) else value
        for index, part in enumerate(parts):
            data[f"{name}_{index}"] = "" if part is None else str(part)
    elif isinstance(value, bool):
        if value:
            data[name] = "on"
    elif isinstance(value, list | tuple):
        data[name] = [str(v) for v in value]
    else:
        data[name] = str(value)


def form_errors(response) -> list[str]:
    """Every error message of the admin form (and its inlines) in a response."""
    context = response.context
    form = context["adminform"].form if "adminform" in context else context["form"]
    messages = [str(m) for errors in form.errors.values() for m in errors]
    for inline in context.get("inline_admin_formsets", []):
        for errors in inline.formset.errors:
            messages += [str(m) for field_errors in errors.values() for m in field_errors]
        messages += [str(m) for m in inline.formset.non_form_errors()]
    return messages


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.data: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.data[name] = attrs.get("value") or (
                "on" if attrs.get("type") == "checkbox" else ""
            )
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in attrs:
            self.data[self._select] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data.removeprefix("\n")


def form_data(html: str) -> dict[str, str]:
    """What a browser would submit from the page's form as it is (the admin's change form)."""
    parser = _FormParser()
    parser.feed(html)
    return parser.data
