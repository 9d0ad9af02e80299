"""Admin of action rules, the actions members were credited for, and *Record an action*."""

from django import forms
from django.contrib import admin
from django.shortcuts import get_object_or_404

from loyalty.admin_mixins import ChangedFieldsAdmin, HistoryAdmin, ProtectedDeleteAdmin
from members.models import Member

from ..actions.services import record_action
from ..models import ActionRule, MemberAction
from .forms import when_field


class RecordActionForm(forms.Form):
    rule = forms.ModelChoiceField(ActionRule.objects.filter(active=True), to_field_name="code")
    reference = forms.CharField(max_length=200, required=False, help_text="e.g. the review's id")
    idempotency_key = forms.CharField(max_length=150, required=False)
    occurred_at = when_field()


class ActionTools:
    """The member page's *Record an action* (mixed in with ``ActionViewsMixin``)."""

    tools = [("record-action", "Record an action", "record_action_view")]

    def record_action_view(self, request, object_id):
        member = get_object_or_404(Member, pk=object_id)
        return self.run_form(
            request,
            member,
            RecordActionForm,
            title=f"Record an action of {member.email}",
            action=lambda data: record_action(
                member_id=member.pk,
                code=data["rule"].code,
                idempotency_key=data["idempotency_key"] or None,
                reference=data["reference"],
                user=request.user,
                occurred_at=data["occurred_at"],
            ),
            done=lambda entry: f"{entry.description}: {entry.points:+d} points.",
        )


@admin.register(ActionRule)
class ActionRuleAdmin(ChangedFieldsAdmin, ProtectedDeleteAdmin, admin.ModelAdmin):
    list_display = [
        "name",
        "kind",
        "code",
        "points",
        "limit",
        "limit_count",
        "active",
        "starts_at",
        "ends_at",
    ]
    list_filter = ["kind", "limit", "active"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}


@admin.register(MemberAction)
class MemberActionAdmin(HistoryAdmin, admin.ModelAdmin):
    list_display = ["occurred_at", "member", "rule", "reference", "created_by"]
    list_filter = ["rule", "occurred_at"]
    search_fields = ["member__email", "reference", "rule__code"]
    date_hierarchy = "occurred_at"
    list_select_related = ["member", "rule", "created_by"]
