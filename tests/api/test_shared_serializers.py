"""Serializers shared by every request of the purchase path: the answers of fresh ones."""

import threading

import pytest
from rest_framework.exceptions import ValidationError

from loyalty.api import purchase_serializers as s
from loyalty.api.serializers import Shared
from rewards.purchases.recording import record_purchase

BODIES = [
    {"channel": "web", "order_id": "A1", "amount": "10.00"},
    {"channel": "web", "order_id": "A1", "amount": "10.00", "member_id": 3, "currency": "EUR"},
    {"channel": "web", "order_id": "A1", "amount": "9.99", "lines": [{"amount": "9.99"}]},
    {"channel": "web", "order_id": "A1", "amount": "10.00", "purchased_at": "2026-01-02T03:04Z"},
    {},
    {"channel": "web", "amount": "-1"},
    {"channel": "web", "order_id": "A1", "amount": "1.001"},
    {"channel": "web", "order_id": "A1", "amount": "5", "lines": [{"amount": "x"}, {}]},
    {"channel": "web", "order_id": "A1", "amount": "5", "member_id": 0},
    {"channel": ["web"], "order_id": None, "amount": True},
    None,
    [],
    "a string",
]


def fresh(data):
    serializer = s.PurchaseIn(data=data)
    try:
        serializer.is_valid(raise_exception=True)
    except ValidationError as exc:
        return ("invalid", exc.detail)
    return ("valid", serializer.validated_data)


def shared(data, one=None):
    try:
        return ("valid", (one or Shared(s.PurchaseIn)).validate(data))
    except ValidationError as exc:
        return ("invalid", exc.detail)


@pytest.mark.parametrize("body", BODIES)
def test_a_shared_input_serializer_accepts_and_refuses_what_a_fresh_one_does(body):
    assert shared(body) == fresh(body)


def test_a_shared_output_serializer_renders_what_a_fresh_one_renders(member, web, program):
    purchase = record_purchase(
        channel="web",
        order_id="A1",
        amount="20.00",
        member_id=member.pk,
        lines=[{"amount": "15.00", "sku": "X"}, {"amount": "5.00"}],
    )
    assert Shared(s.PurchaseOut).represent(purchase) == s.PurchaseOut(purchase).data


def test_one_shared_serializer_serves_many_threads_at_once():
    one = Shared(s.PurchaseIn)
    wrong = []

    def run(n):
        for i in range(200):
            body = {"channel": "web", "order_id": f"{n}-{i}", "amount": f"{n}.{i % 100:02d}"}
            if i % 3 == 0:
                body["amount"] = "bad"
            if shared(body, one) != fresh(body):
                wrong.append(body)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(1, 9)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []
