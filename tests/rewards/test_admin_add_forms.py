"""Every admin add form refuses out-of-range numbers and dates in the merchant's words.

No snake_case identifier (a field or constraint name) and no number above 10^12 (a
column's range, 9223372036854775807) may reach the person, and nothing is saved.
"""

import re

import pytest
from django import forms
from django.apps import apps
from django.contrib import admin
from django.urls import NoReverseMatch, reverse

from rewards.models import Channel
from rewards.purchases.recording import record_purchase
from tests.factories import MemberFactory, TierFactory, UserFactory
from tests.helpers import admin_form_data, form_errors

# Reporting's forms (accounting settings, rates, closed periods) are the accounting work's
# (issue 14); third-party admins (django-celery-beat) are not ours to word.
OUR_APPS = {"members", "rewards", "referrals"}
SNAKE = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")
NUMBER = re.compile(r"\d[\d,]*")

# Out of range three ways: absurdly big, just above the ceilings, below zero or too early.
ROUNDS = {
    "huge": {"int": "99999999999999999999", "decimal": "99999999999999999999.99",
             "date": "9999-12-31", "time": "23:59:59"},
    "above the ceiling": {"int": "100000001", "decimal": "100000000.00",
                          "date": "0001-01-01", "time": "00:00:00"},
    "negative or too early": {"int": "-5", "decimal": "-5.00",
                              "date": "1899-12-31", "time": "12:00:00"},
}  # fmt: skip


def add_url(model) -> str | None:
    try:
        return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
    except NoReverseMatch:
        return None


def add_forms() -> list[str]:
    """Every model of ours whose admin has an add page."""
    return sorted(
        f"{model._meta.app_label}.{model._meta.model_name}"
        for model in admin.site._registry
        if model._meta.app_label in OUR_APPS and add_url(model)
    )


def out_of_range(response, values: dict) -> tuple[dict, list[str]]:
    """The form's data with every number and date replaced by ``values``; the fields changed."""
    data = admin_form_data(response)
    context = response.context
    form = context["adminform"].form if "adminform" in context else context["form"]
    changed = []
    for bound in form:
        field, name = bound.field, bound.html_name
        if isinstance(field, forms.SplitDateTimeField):
            data[f"{name}_0"], data[f"{name}_1"] = values["date"], values["time"]
        elif isinstance(field, forms.DateTimeField):
            data[name] = f"{values['date']} {values['time']}"
        elif isinstance(field, forms.DateField):
            data[name] = values["date"]
        elif isinstance(field, forms.DecimalField):
            data[name] = values["decimal"]
        elif isinstance(field, forms.IntegerField):
            data[name] = values["int"]
        else:
            continue
        changed.append(bound.name)
    return data, changed


def assert_in_words(messages: list[str]) -> None:
    text = " ".join(messages)
    assert not SNAKE.findall(text), text
    numbers = [int(n.replace(",", "")) for n in NUMBER.findall(text) if n.strip(",")]
    assert all(n <= 10**12 for n in numbers), text


@pytest.fixture
def superuser_client(client, db, web):
    client.force_login(UserFactory(email="boss@example.com", is_staff=True, is_superuser=True))
    TierFactory(name="Silver", rank=1, threshold=500)
    return client


@pytest.mark.parametrize("round_name", ROUNDS)
@pytest.mark.parametrize("label", add_forms())
def test_an_add_form_refuses_out_of_range_input_in_words(superuser_client, label, round_name):
    model = apps.get_model(label)
    url = add_url(model)
    page = superuser_client.get(url)
    if page.status_code == 403:  # no add page for this model (a record, a singleton)
        return
    assert page.status_code == 200
    data, changed = out_of_range(page, ROUNDS[round_name])
    if not changed:
        return  # no number or date to put out of range (a channel, a login, an API key)
    before = model._default_manager.count()
    response = superuser_client.post(url, data)
    assert response.status_code == 200, f"{label}: out-of-range {changed} saved"
    form = response.context["adminform"].form if "adminform" in response.context else None
    form = form or response.context["form"]
    unrefused = [name for name in changed if name not in form.errors]
    assert not unrefused, f"{label}: {unrefused} accepted out of range ({round_name})"
    assert_in_words(form_errors(response))
    assert model._default_manager.count() == before


def test_the_walk_covers_the_forms_with_numbers(superuser_client):
    labels = add_forms()
    for expected in ("rewards.program", "rewards.earnrule", "rewards.reward", "rewards.purchase",
                     "rewards.actionrule", "members.tier", "members.member",
                     "referrals.referralsettings"):  # fmt: skip
        assert expected in labels


@pytest.mark.parametrize("round_name", ROUNDS)
@pytest.mark.parametrize(
    ("url_name", "extra"),
    [
        ("admin:members_member_adjust", {"reason": "typo check"}),
        ("admin:members_member_paid-tier", {}),
        ("admin:rewards_purchase_refund", {"reason": "return"}),
    ],
)
def test_an_action_form_refuses_out_of_range_input_in_words(
    superuser_client, url_name, extra, round_name
):
    if url_name.endswith("adjust") and round_name == "negative or too early":
        return  # removing 5 points is a valid adjustment
    member = MemberFactory()

    purchase = record_purchase(channel="web", order_id="A1", amount="10.00", member_id=member.pk)
    TierFactory(name="Club", rank=9, is_paid=True, term_months=12)
    target = purchase if "purchase" in url_name else member
    url = reverse(url_name, args=[target.pk])
    page = superuser_client.get(url)
    data, changed = out_of_range(page, ROUNDS[round_name])
    data.update(extra)
    if "paid-tier" in url_name:
        data["tier"] = str(member.__class__.tier.field.related_model.objects.get(name="Club").pk)
    response = superuser_client.post(url, data)
    assert response.status_code == 200, f"{url_name}: {changed} accepted"
    messages = form_errors(response)
    assert messages
    assert_in_words(messages)


def test_a_channel_code_is_kept_apart_from_snake_case_words(superuser_client):
    assert Channel.objects.get(code="web")  # the fixture's channel: the purchase form needs one
