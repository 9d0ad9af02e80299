"""Admin of purchases: record one (a large amount asks staff to confirm), refund or return."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from loyalty.admin_mixins import ChangedFieldsAdmin
from loyalty.errors import ApplicationError
from members.models import Member

from ..models import Purchase, PurchaseLine, Refund
from ..purchases.recording import record_purchase
from ..purchases.refunds import refund_purchase
from .base import ActionViewsMixin, ReadOnlyInline
from .forms import RecordPurchaseForm, RefundForm, refuse_beside

# ---------------------------------------------------------------- purchases


class PurchaseLineInline(ReadOnlyInline):
    model = PurchaseLine
    fields = ["sku", "category", "quantity", "amount", "is_gift_card", "is_reward_item"]
    readonly_fields = fields


class RefundInline(ReadOnlyInline):
    model = Refund
    fields = [
        "created_at",
        "refund_id",
        "amount",
        "points_reversed",
        "shortfall",
        "reason",
        "created_by",
    ]
    readonly_fields = fields


@admin.register(Purchase)
class PurchaseAdmin(ChangedFieldsAdmin, ActionViewsMixin, admin.ModelAdmin):
    list_display = [
        "order_id",
        "channel",
        "member",
        "purchased_at",
        "amount",
        "currency",
        "points_earned",
        "status",
    ]
    list_filter = ["status", "channel", "purchased_at"]
    search_fields = ["order_id", "member__email", "member__external_id"]
    date_hierarchy = "purchased_at"
    list_select_related = ["channel", "member"]
    inlines = [PurchaseLineInline, RefundInline]
    object_actions = [("refund", "Refund or return", "refund_view")]
    readonly_fields = [
        "channel",
        "order_id",
        "member",
        "purchased_at",
        "currency",
        "amount",
        "shipping_amount",
        "tax_amount",
        "eligible_amount",
        "refunded_amount",
        "status",
        "points_earned",
        "points_by_rule",
    ]
    exclude = ["earn_breakdown"]

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Points by rule")
    def points_by_rule(self, obj):
        rows = [(row["rule"], row["points"]) for row in obj.earn_breakdown]
        if not rows:
            return "-"
        return format_html(
            "<table>{}</table>", format_html_join("", "<tr><td>{}</td><td>{}</td></tr>", rows)
        )

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = RecordPurchaseForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                member_id = None
                if data["member_email"]:
                    member = Member.objects.with_email(data["member_email"]).first()
                    if member is None:
                        raise ApplicationError(
                            f"There is no member with the email {data['member_email']}.",
                            field="member_email",
                        )
                    member_id = member.pk
                purchase = record_purchase(
                    channel=data["channel"].code,
                    order_id=data["order_id"],
                    member_id=member_id,
                    amount=data["amount"],
                    shipping_amount=data["shipping_amount"],
                    tax_amount=data["tax_amount"],
                    currency=data["currency"] or None,
                    purchased_at=data["purchased_at"],
                )
            except ApplicationError as exc:
                refuse_beside(form, exc)
            else:
                self.message_user(
                    request,
                    f"Recorded order {purchase.order_id}: {purchase.points_earned:,} points.",
                )
                return HttpResponseRedirect(
                    reverse("admin:rewards_purchase_change", args=[purchase.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Record a purchase",
            "form": form,
        }
        return TemplateResponse(request, "admin/loyalty/action_form.html", context)

    def refund_view(self, request, object_id):
        purchase = get_object_or_404(Purchase, pk=object_id)
        return self.run_form(
            request,
            purchase,
            RefundForm,
            title=f"Refund order {purchase.order_id}",
            intro=f"Paid {purchase.amount} {purchase.currency}, "
            f"refunded so far {purchase.refunded_amount}.",
            action=lambda data: refund_purchase(
                purchase_id=purchase.pk,
                amount=data["amount"],
                reason=data["reason"],
                user=request.user,
                refunded_at=data["refunded_at"],
            ),
            done=lambda refund: (
                f"Refunded {refund.amount}: {refund.points_reversed} points reversed"
                + (f", {refund.shortfall} already spent" if refund.shortfall else "")
                + "."
            ),
        )
