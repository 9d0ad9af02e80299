"""Admin building blocks of rewards: read-only inlines, and per-object pages that run a service."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from loyalty.errors import ApplicationError

from .forms import refuse_beside


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ActionViewsMixin:
    """Adds per-object pages with a form that calls a service (and buttons to reach them)."""

    change_form_template = "admin/loyalty/change_form_tools.html"
    object_actions: list[tuple[str, str, str]] = []  # (url suffix, label, method name)

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        extra = [
            path(
                f"<path:object_id>/{suffix}/",
                self.admin_site.admin_view(getattr(self, method)),
                name=f"{info[0]}_{info[1]}_{suffix}",
            )
            for suffix, _label, method in self.object_actions
        ]
        return extra + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        info = self.model._meta.app_label, self.model._meta.model_name
        tools = [
            {
                "url": reverse(f"admin:{info[0]}_{info[1]}_{suffix}", args=[object_id]),
                "label": label,
            }
            for suffix, label, _method in self.object_actions
            if self.has_change_permission(request)  # run_form refuses the others: no button
        ]
        extra_context = {**(extra_context or {}), "loyalty_tools": tools}
        return super().change_view(request, object_id, form_url, extra_context)

    def run_form(self, request, obj, form_class, *, title, intro="", action, done):
        """Show ``form_class``; on a valid POST call ``action(data)`` and go back to the object."""
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        form = form_class(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                result = action(form.cleaned_data)
            except ApplicationError as exc:
                refuse_beside(form, exc)
            else:
                self.message_user(request, done(result), messages.SUCCESS)
                info = self.model._meta.app_label, self.model._meta.model_name
                return HttpResponseRedirect(
                    reverse(f"admin:{info[0]}_{info[1]}_change", args=[obj.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": obj,
            "title": title,
            "intro": intro,
            "form": form,
        }
        return TemplateResponse(request, "admin/loyalty/action_form.html", context)
