"""Admin of logins, members' erasures and tier history; the base of the one member admin.

``MemberAdminBase`` is not registered here: ``loyalty.admin`` registers the one member
admin, composed of this base and the parts the other apps contribute (ledger, tiers...).
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from loyalty.admin_mixins import ChangedFieldsAdmin, HistoryAdmin

from .models import Erasure, Member, TierChange, User


@admin.register(User)
class UserAdmin(ChangedFieldsAdmin, BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active", "last_login"]
    list_filter = ["is_staff", "is_superuser", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


class MemberAdminBase(ChangedFieldsAdmin, admin.ModelAdmin):
    """Members: searchable by email, name and external id; balances are read-only caches."""

    list_display = [
        "email",
        "name",
        "external_id",
        "status",
        "points_balance",
        "pending_points",
        "enrolled_at",
    ]
    list_filter = ["status", "enrolled_at"]
    search_fields = ["email", "first_name", "last_name", "external_id", "phone"]
    readonly_fields = ["points_balance", "pending_points", "created_at", "updated_at"]
    raw_id_fields = ["user"]
    date_hierarchy = "enrolled_at"
    fieldsets = (
        (None, {"fields": ("email", "first_name", "last_name", "external_id", "birthday", "user")}),
        ("Membership", {"fields": ("status", "enrolled_at")}),
        (
            "Communication preferences",
            {"fields": ("email_offers", "sms_offers", "phone", "language")},
        ),
        ("Points (from the ledger)", {"fields": ("points_balance", "pending_points")}),
        ("Record", {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )

    def has_delete_permission(self, request, obj=None):
        """Never offered: a member is closed or erased (their purchases and ledger stay, so
        the reports add up), never deleted."""
        return False

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        field = form.base_fields.get("status")
        if field is not None:  # closing forfeits the points: the "Close membership" tool does it
            if obj is not None and obj.status == Member.Status.CLOSED:
                field.disabled = True
            else:
                field.choices = [c for c in field.choices if c[0] != Member.Status.CLOSED]
        return form

    def save_model(self, request, obj, form, change):
        """Only what the form changed is saved (``ChangedFieldsAdmin``): never the cached
        balances or the tier, which the services keep under the member lock."""
        obj.email = obj.email.strip().lower()
        if not obj.external_id:
            obj.external_id = None
        super().save_model(request, obj, form, change)


@admin.register(TierChange)
class TierChangeAdmin(HistoryAdmin, admin.ModelAdmin):
    """The history of tier changes: read-only, like the ledger."""

    list_display = ["created_at", "member", "from_tier", "to_tier", "reason", "note", "created_by"]
    list_filter = ["reason", "to_tier", "from_tier", "created_at"]
    search_fields = ["member__email", "note"]
    date_hierarchy = "created_at"
    list_select_related = ["member", "from_tier", "to_tier", "created_by"]


@admin.register(Erasure)
class ErasureAdmin(HistoryAdmin, admin.ModelAdmin):
    """Proof that members' erasure requests were carried out: when, why, by whom."""

    list_display = ["erased_at", "member", "reason", "erased_by"]
    list_filter = ["erased_at"]
    search_fields = ["reason", "erased_by__email"]
    list_select_related = ["member", "erased_by"]
