"""Admin of the catalogue of rewards and of redemptions (cancel gives the points back)."""

from django.contrib import admin
from django.shortcuts import get_object_or_404

from loyalty.admin_mixins import ChangedFieldsAdmin, ProtectedDeleteAdmin, RecordAdmin

from ..models import Redemption, Reward, TierWelcome
from ..redemptions.services import cancel_redemption
from .base import ActionViewsMixin
from .forms import CancelRedemptionForm


@admin.register(Reward)
class RewardAdmin(ChangedFieldsAdmin, ProtectedDeleteAdmin, admin.ModelAdmin):
    list_display = ["name", "kind", "points_cost", "stock", "valid_from", "valid_until", "active"]
    list_filter = ["kind", "active", "tiers"]
    filter_horizontal = ["tiers"]
    search_fields = ["name", "sku", "cause"]


@admin.register(Redemption)
class RedemptionAdmin(RecordAdmin, ActionViewsMixin, admin.ModelAdmin):
    list_display = [
        "code",
        "member",
        "reward",
        "points",
        "value",
        "status",
        "created_at",
        "used_at",
    ]
    list_filter = ["status", "reward", "created_at"]
    search_fields = ["code", "member__email", "cause"]
    list_select_related = ["member", "reward"]
    object_actions = [("cancel", "Cancel and give the points back", "cancel_view")]

    def cancel_view(self, request, object_id):
        redemption = get_object_or_404(Redemption, pk=object_id)
        return self.run_form(
            request,
            redemption,
            CancelRedemptionForm,
            title=f"Cancel redemption {redemption.code}",
            intro=f"{redemption.points} points go back to {redemption.member.email}.",
            action=lambda data: cancel_redemption(
                redemption_id=redemption.pk,
                reason=data["reason"],
                user=request.user,
                effective_at=data["effective_at"],
            ),
            done=lambda r: f"Cancelled {r.code}; {r.points} points given back.",
        )


@admin.register(TierWelcome)
class TierWelcomeAdmin(ChangedFieldsAdmin, admin.ModelAdmin):
    """Points or a reward a member receives once on reaching a tier (once per year)."""

    list_display = ["tier", "points", "reward"]
    list_select_related = ["tier", "reward"]
