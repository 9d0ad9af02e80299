"""Admin of the API keys (shown once on creation, revocable), webhooks and their deliveries."""

from django import forms
from django.contrib import admin, messages
from django.utils import timezone

from loyalty.admin_mixins import ChangedFieldsAdmin

from ..models import ApiKey, IdempotencyRecord, WebhookDelivery, WebhookEndpoint


class ApiKeyForm(forms.ModelForm):
    scope_choices = forms.MultipleChoiceField(
        label="Scopes",
        choices=ApiKey.Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="read: look-ups and lists; earn: purchases, refunds, enrolment, actions; "
        "redeem: redemptions and codes.",
    )

    class Meta:
        model = ApiKey
        fields = ["name", "scope_choices"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["scope_choices"].initial = self.instance.scopes


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    form = ApiKeyForm
    list_display = ["name", "key_prefix", "scopes", "active", "created_at", "last_used_at"]
    list_filter = ["active"]
    search_fields = ["name", "prefix"]
    readonly_fields = ["key_prefix", "created_at", "created_by", "revoked_at", "last_used_at"]
    actions = ["revoke"]

    @admin.display(description="key")
    def key_prefix(self, obj):
        return f"lk_{obj.prefix}_..." if obj.prefix else "-"

    def save_model(self, request, obj, form, change):
        scopes = sorted(form.cleaned_data["scope_choices"])
        if change:  # never the last use the API wrote meanwhile
            obj.scopes = scopes
            obj.save(update_fields=["name", "scopes"])
            return
        key, full = ApiKey.issue(name=obj.name, scopes=scopes, created_by=request.user)
        obj.pk, obj.prefix = key.pk, key.prefix
        obj.__dict__.update({f.attname: getattr(key, f.attname) for f in key._meta.fields})
        messages.warning(
            request,
            f"The new API key is {full} . Copy it now: it is stored hashed and "
            "will not be shown again.",
        )

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead, so that the key's history stays

    @admin.action(description="Revoke the selected API keys")
    def revoke(self, request, queryset):
        count = queryset.filter(active=True).update(active=False, revoked_at=timezone.now())
        self.message_user(request, f"{count} API key(s) revoked.")


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(admin.ModelAdmin):
    list_display = ["created_at", "api_key", "method", "path", "key", "response_status"]
    list_filter = ["method", "response_status"]
    search_fields = ["key", "path"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ChangedFieldsAdmin, admin.ModelAdmin):
    list_display = ["url", "description", "events", "active", "created_at"]
    list_filter = ["active"]
    search_fields = ["url", "description"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "endpoint",
        "event",
        "event_id",
        "attempt",
        "succeeded",
        "response_status",
        "duration_ms",
    ]
    list_filter = ["succeeded", "event"]
    search_fields = ["event_id", "endpoint__url", "error"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
