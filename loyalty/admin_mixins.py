"""Admin behaviours shared by the apps: settings singletons, records and histories.

They are mixins, listed before ``admin.ModelAdmin``, so every app (members included,
which imports no other app) declares a model's admin by what it is, not by overriding
the same permission methods again.
"""


class SingletonAdmin:
    """Settings held in one row: it can be added once and never deleted."""

    def has_add_permission(self, request):
        return not self.model.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


class RecordAdmin:
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
