"""Filters of the staff list endpoints (django-filter), for syncing to other systems."""

import django_filters
from django import forms

from members.models import Member
from rewards.models import LedgerEntry, Purchase


class IdFilter(django_filters.NumberFilter):
    """A positive id within 64 bits (a larger one is a 400, never a database error)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)

    field_class = forms.IntegerField


class MemberFilter(django_filters.FilterSet):
    email = django_filters.CharFilter(lookup_expr="iexact")
    external_id = django_filters.CharFilter()
    status = django_filters.ChoiceFilter(choices=Member.Status.choices)
    updated_since = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    created_since = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")

    class Meta:
        model = Member
        fields = ["email", "external_id", "status"]


class PurchaseFilter(django_filters.FilterSet):
    member = IdFilter(field_name="member_id")
    channel = django_filters.CharFilter(field_name="channel__code")
    order_id = django_filters.CharFilter()
    status = django_filters.ChoiceFilter(choices=Purchase.Status.choices)
    created_since = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    purchased_after = django_filters.IsoDateTimeFilter(field_name="purchased_at", lookup_expr="gte")
    purchased_before = django_filters.IsoDateTimeFilter(field_name="purchased_at", lookup_expr="lt")

    class Meta:
        model = Purchase
        fields = ["member", "channel", "order_id", "status"]


class LedgerEntryFilter(django_filters.FilterSet):
    member = IdFilter(field_name="member_id")
    kind = django_filters.ChoiceFilter(choices=LedgerEntry.Kind.choices)
    created_since = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    effective_after = django_filters.IsoDateTimeFilter(field_name="effective_at", lookup_expr="gte")
    effective_before = django_filters.IsoDateTimeFilter(field_name="effective_at", lookup_expr="lt")

    class Meta:
        model = LedgerEntry
        fields = ["member", "kind"]
