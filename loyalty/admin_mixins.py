"""Admin behaviours shared by the apps: partial saves, settings singletons, records, histories.

They are mixins, listed before ``admin.ModelAdmin``, so every app (members included,
which imports no other app) declares a model's admin by what it is, not by overriding
the same permission methods again.
"""

from django.contrib.admin.utils import NestedObjects
from django.db import router
from django.db.models import DateTimeField


class ChangedFieldsAdmin:
    """An existing row is saved with only the fields its form changed.

    The page was read when it was opened; meanwhile a service may have written the row
    (a member's balances, a reward's stock, a redemption's status, an import's progress,
    an API key's last use). Saving it whole would put back what the page read.
    """

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            return
        fields = {f.name: f for f in obj._meta.concrete_fields}
        changed = [name for name in form.changed_data if name in fields]
        stamps = [n for n, f in fields.items() if isinstance(f, DateTimeField) and f.auto_now]
        if changed:
            obj.save(update_fields=[*changed, *stamps])


class ProtectedDeleteAdmin:
    """Delete is offered only for a row that can be deleted: not one that history points to.

    A channel with purchases, a redeemed reward, a tier members held... are protected by
    their foreign keys; rather than a Delete button that ends on Django's refusal, the
    page offers none (deactivate the row instead). The bulk action is left to Django,
    which lists what is protected before anything is deleted.
    """

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        return obj is None or not is_protected(obj)


def is_protected(obj) -> bool:
    """Whether deleting ``obj`` would be refused by a PROTECT (or RESTRICT) foreign key."""
    collector = NestedObjects(using=router.db_for_write(obj._meta.model))
    collector.collect([obj])
    return bool(collector.protected)  # NestedObjects records PROTECT and RESTRICT alike


class SingletonAdmin:
    """Settings held in one row: it can be added once and never deleted."""

    def has_add_permission(self, request):
        # The user's permission first: without it, not even the first row is offered.
        return super().has_add_permission(request) and not self.model.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


class RecordAdmin(ChangedFieldsAdmin):
    """Rows written only by services: every field read-only, none added or deleted here.

    Their change page stays reachable, for the object tools that call a service
    (cancel a redemption, approve a referral...).
    """

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class HistoryAdmin(RecordAdmin):
    """An append-only history (the ledger, tier changes...): it can only be read."""

    def has_change_permission(self, request, obj=None):
        return False
