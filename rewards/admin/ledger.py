"""Admin of the (read-only) points ledger, the point lots and the expiry records.

The ledger cannot be edited or deleted from the admin: every change is a service's entry.
"""

from django.contrib import admin

from loyalty.admin_mixins import HistoryAdmin, RecordAdmin

from ..models import ExpiryPolicyChange, ExpiryReminder, LedgerEntry, PointLot


@admin.register(LedgerEntry)
class LedgerEntryAdmin(HistoryAdmin, admin.ModelAdmin):
    list_display = [
        "effective_at",
        "member",
        "entry",
        "points",
        "pending_points",
        "description",
        "reason",
        "created_by",
    ]
    list_filter = ["kind", "effective_at"]
    search_fields = ["member__email", "description", "idempotency_key", "reference"]
    date_hierarchy = "effective_at"
    list_select_related = ["member", "created_by", "purchase", "redemption"]

    @admin.display(description="entry")
    def entry(self, obj):
        """In words, pending points included: "Earned on purchase #1001: +12 points (pending)"."""
        return str(obj)


@admin.register(PointLot)
class PointLotAdmin(LedgerEntryAdmin):
    list_display = [
        "lot",
        "member",
        "status",
        "points",
        "remaining",
        "earned_at",
        "available_at",
        "expires_at",
        "is_debt",
    ]
    list_filter = ["status", "is_debt", "expires_at"]
    search_fields = ["member__email"]
    date_hierarchy = "earned_at"
    list_select_related = ["member"]
    list_display_links = ["lot"]

    @admin.display(description="lot")
    def lot(self, obj):
        return str(obj)


# ---------------------------------------------------------------- expiry


@admin.register(ExpiryPolicyChange)
class ExpiryPolicyChangeAdmin(RecordAdmin, admin.ModelAdmin):
    list_display = ["applied_at", "policy", "months", "lots_updated", "applied_by"]
    list_filter = ["policy", "applied_at"]
    search_fields = ["applied_by__email"]


@admin.register(ExpiryReminder)
class ExpiryReminderAdmin(ExpiryPolicyChangeAdmin):
    list_display = ["sent_at", "member", "points", "expires_on", "window_days"]
    list_filter = ["window_days", "sent_at", "expires_on"]
    search_fields = ["member__email"]
    list_select_related = ["member"]
