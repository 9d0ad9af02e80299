"""The filters of the staff sync lists: query parameters validated (and documented) by fields.

Each query is a serializer of strict fields (so the schema states exactly what is refused
with a 400) and a map from parameter to ORM lookup.
"""

from django.db.models import QuerySet
from rest_framework import serializers

from members.models import Member
from rewards.models import LedgerEntry, Purchase

from .fields import Choice, Moment, Text, an_id


class Query(serializers.Serializer):
    LOOKUPS: dict[str, str] = {}

    @classmethod
    def apply(cls, queryset: QuerySet, params) -> QuerySet:
        # A plain dict: DRF reads a QueryDict as a form, where "?status=" means "not given".
        query = cls(data=params.dict())
        query.is_valid(raise_exception=True)
        values = dict(query.validated_data)
        if "email" in values and not cls.LOOKUPS.get("email"):  # the members' own rule
            queryset = queryset.with_email(values.pop("email"))
        return queryset.filter(**{cls.LOOKUPS[name]: value for name, value in values.items()})


class MemberQuery(Query):
    email = Text(
        max_length=254, required=False, help_text="Any case; the domain in Unicode or punycode."
    )
    external_id = Text(max_length=100, required=False)
    status = Choice(choices=Member.Status.values, required=False)
    updated_since = Moment(required=False)
    created_since = Moment(required=False)

    LOOKUPS = {
        "email": "",  # Member.objects.with_email
        "external_id": "external_id",
        "status": "status",
        "updated_since": "updated_at__gte",
        "created_since": "created_at__gte",
    }


class PurchaseQuery(Query):
    member = an_id(required=False, from_text=True)
    channel = Text(max_length=50, required=False)
    order_id = Text(max_length=100, required=False)
    status = Choice(choices=Purchase.Status.values, required=False)
    created_since = Moment(required=False)
    purchased_after = Moment(required=False)
    purchased_before = Moment(required=False)

    LOOKUPS = {
        "member": "member_id",
        "channel": "channel__code",
        "order_id": "order_id",
        "status": "status",
        "created_since": "created_at__gte",
        "purchased_after": "purchased_at__gte",
        "purchased_before": "purchased_at__lt",
    }


class LedgerQuery(Query):
    member = an_id(required=False, from_text=True)
    kind = Choice(choices=LedgerEntry.Kind.values, required=False)
    created_since = Moment(required=False)
    effective_after = Moment(required=False)
    effective_before = Moment(required=False)

    LOOKUPS = {
        "member": "member_id",
        "kind": "kind",
        "created_since": "created_at__gte",
        "effective_after": "effective_at__gte",
        "effective_before": "effective_at__lt",
    }
