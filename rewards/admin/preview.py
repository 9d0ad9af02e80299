"""The earn rule and tier forms' live preview: what a sample purchase earns, as you type.

The page's script (``static/js/earn_preview.js``) posts the form as it stands, with the
sample purchase (amount, day, channel, member's tier), to the admin's ``preview/`` URL; the
form is checked as on saving, and ``rewards.selectors.preview_earning`` runs the same
calculation as the purchase service on the unsaved rule or tier. Nothing is saved.
"""

from datetime import date, datetime, time
from decimal import Decimal

from django.http import JsonResponse
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_POST

from loyalty.errors import ApplicationError
from members.models import Tier

from .. import selectors, validation
from ..models import Channel, EarnRule

SAMPLE_AMOUNT = Decimal("25.00")


def sentence(preview: selectors.EarningPreview, *, amount, when, channel, tier) -> str:
    """'A 25.00 EUR purchase on Saturday 28 November 2026 in Web shop by a Silver member
    earns 49 points: base 25, Silver ×1.5 +12, Double weekend ×2 +12.'"""
    who = f"a {tier.name} member" if tier else "a member without a tier"
    parts = ", ".join(f"{p.label} +{p.points}" if p.label != "base" else f"base {p.points}"
                      for p in preview.parts)  # fmt: skip
    day = date_format(when, "l j F Y")
    return (
        f"A {amount:.2f} {preview.currency} purchase on {day} in {channel.name} by {who} earns "
        f"{preview.points} points: {parts}."
    )


def _sample(post, *, edited_tier: Tier | None):
    """The sample purchase from the preview's fields; ApplicationError in the user's words."""
    limits = validation.limits()
    amount = validation.check_amount(
        post.get("preview_amount") or SAMPLE_AMOUNT, field="preview_amount", limits=limits
    )
    raw_day = post.get("preview_day") or ""
    try:
        day = date.fromisoformat(raw_day) if raw_day else timezone.localdate()
    except ValueError:
        raise ApplicationError("Choose the day of the purchase.", field="preview_day") from None
    when = timezone.make_aware(datetime.combine(day, time(12)))
    channel = Channel.objects.filter(code=post.get("preview_channel") or "").first()
    channel = channel or Channel.objects.order_by("-earns_points", "pk").first()
    if channel is None:
        raise ApplicationError("Add a channel first: purchases are made in a channel.")
    tier = edited_tier
    if tier is None and (post.get("preview_tier") or "").isdigit():
        tier = Tier.objects.filter(pk=post["preview_tier"]).first()
    return amount, when, channel, tier


class PreviewAdmin:
    """Mixed into the earn rule and tier admins: the ``preview/`` JSON view and the page's
    sample-purchase fields (``templates/admin/rewards/earn_preview.html``)."""

    change_form_template = "admin/rewards/earn_preview.html"

    class Media:
        js = ("js/earn_preview.js",)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "preview/",
                self.admin_site.admin_view(require_POST(self.preview_view)),
                name="{}_{}_preview".format(*info),
            ),
            *super().get_urls(),
        ]

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        info = self.opts.app_label, self.opts.model_name
        extra_context = {
            **(extra_context or {}),
            "preview_channels": Channel.objects.order_by("-earns_points", "name"),
            "preview_tiers": Tier.objects.order_by("rank") if self.model is EarnRule else None,
            "preview_amount": SAMPLE_AMOUNT,
            "preview_day": timezone.localdate().isoformat(),
            "preview_url": "admin:{}_{}_preview".format(*info),
        }
        return super().changeform_view(request, object_id, form_url, extra_context)

    def preview_view(self, request):
        obj = None
        object_id = request.POST.get("object_id", "")
        if object_id.isdigit():
            obj = self.get_object(request, object_id)
        if not (self.has_add_permission(request) or self.has_change_permission(request, obj)):
            return JsonResponse({"error": "You may not change these settings."}, status=403)
        form = self.get_form(request, obj)(request.POST, instance=obj)
        if not form.is_valid():
            errors = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
            return JsonResponse({"errors": errors})
        rule = form.instance if self.model is EarnRule else None
        try:
            amount, when, channel, tier = _sample(
                request.POST, edited_tier=None if rule is not None else form.instance
            )
        except ApplicationError as exc:
            return JsonResponse({"errors": {exc.field or "__all__": [exc.message]}})
        preview = selectors.preview_earning(
            amount=amount, purchased_at=when, channel=channel, tier=tier, rule=rule
        )
        return JsonResponse(
            {
                "points": preview.points,
                "sentence": sentence(
                    preview,
                    amount=amount,
                    when=when,
                    channel=channel,
                    tier=tier,
                ),
                "parts": [{"label": p.label, "points": p.points} for p in preview.parts],
                "stacks_with": [r.name for r in preview.stacks_with],
            }
        )
