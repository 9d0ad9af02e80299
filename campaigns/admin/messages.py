"""Messages in the admin: templates with a preview, and every send (read-only)."""

from django.contrib import admin
from django.utils.html import format_html

from loyalty.admin_mixins import HistoryAdmin
from loyalty.errors import ApplicationError
from members.models import Member

from .. import texts
from ..models import MessageSend, MessageTemplate
from ..unsubscribe import url_for


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ["kind", "language", "subject", "active", "updated_at"]
    list_filter = ["kind", "language", "active"]
    search_fields = ["subject", "body"]
    readonly_fields = ["preview"]

    @admin.display(description="preview (with the first member, as saved)")
    def preview(self, obj):
        if obj is None or not obj.pk:
            return "Save the template to see it."
        member = Member.objects.filter(status=Member.Status.ACTIVE).order_by("pk").first()
        member = member or Member(email="someone@example.com", first_name="Alex")
        context = {
            "name": member.first_name or member.email, "member": member, "program": "the program",
            "balance": member.points_balance, "points": 120, "day": "2026-01-31",
            "reward": "a reward", "missing": 40, "tier": "Gold", "days": 90,
            "campaign": "A campaign", "offer": "Earn 2x points this week.",
            "unsubscribe_url": url_for(member.pk or 0),
        }  # fmt: skip
        try:
            subject, body = texts.render_text(obj.subject, obj.body, context)
        except ApplicationError as exc:
            return exc.message
        return format_html("<strong>{}</strong><pre>{}</pre>", subject, body)


@admin.register(MessageSend)
class MessageSendAdmin(HistoryAdmin, admin.ModelAdmin):
    list_display = ["member", "kind", "event_key", "status", "attempts", "queued_at", "sent_at"]
    list_filter = ["status", "kind", "queued_at"]
    search_fields = ["member__email", "event_key"]
    list_select_related = ["member"]
    date_hierarchy = "queued_at"
