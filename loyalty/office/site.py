"""The admin site staff use: models grouped as a merchant thinks of them, the dashboard home.

The groups are a fixed map from model to group (a model not in it falls into its app's
usual group, a third-party one into *System*); *System* holds the technical models and
is shown to superusers only. An app's own index page (``/admin/rewards/``) stays Django's.
"""

import re

from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import reverse

from . import dashboard

MEMBERS = "Members"
POINTS = "Purchases & points"
REWARDS = "Rewards"
TIERS = "Tiers"
REFERRALS = "Referrals"
CAMPAIGNS = "Campaigns"
REPORTS = "Reports"
SETTINGS = "Settings"
SYSTEM = "System"
GROUPS = [MEMBERS, POINTS, REWARDS, TIERS, REFERRALS, CAMPAIGNS, REPORTS, SETTINGS, SYSTEM]

# (app label, model name) -> group, in the order the models are listed within the group.
PLACES = {
    ("members", "member"): MEMBERS,
    ("rewards", "memberaction"): MEMBERS,
    ("members", "erasure"): MEMBERS,
    ("rewards", "purchase"): POINTS,
    ("rewards", "ledgerentry"): POINTS,
    ("rewards", "pointlot"): POINTS,
    ("rewards", "adjustmentrequest"): POINTS,
    ("rewards", "importjob"): POINTS,
    ("rewards", "expiryreminder"): POINTS,
    ("rewards", "reward"): REWARDS,
    ("rewards", "redemption"): REWARDS,
    ("members", "tier"): TIERS,
    ("members", "tierchange"): TIERS,
    ("rewards", "tierwelcome"): TIERS,
    ("referrals", "referral"): REFERRALS,
    ("referrals", "referralcode"): REFERRALS,
    ("referrals", "referralsettings"): REFERRALS,
    ("campaigns", "campaign"): CAMPAIGNS,
    ("campaigns", "segment"): CAMPAIGNS,
    ("campaigns", "segmentsnapshot"): CAMPAIGNS,
    ("campaigns", "messagetemplate"): CAMPAIGNS,
    ("campaigns", "messagesend"): CAMPAIGNS,
    ("reporting", "report"): REPORTS,
    ("reporting", "liabilitysnapshot"): REPORTS,
    ("reporting", "closedperiod"): REPORTS,
    ("rewards", "redemptionrateestimate"): REPORTS,
    ("reporting", "accountingsettings"): REPORTS,
    ("rewards", "program"): SETTINGS,
    ("rewards", "channel"): SETTINGS,
    ("rewards", "earnrule"): SETTINGS,
    ("rewards", "actionrule"): SETTINGS,
    ("rewards", "expirypolicychange"): SETTINGS,
    ("rewards", "apikey"): SYSTEM,
    ("rewards", "webhookendpoint"): SYSTEM,
    ("rewards", "webhookdelivery"): SYSTEM,
    ("rewards", "idempotencyrecord"): SYSTEM,
    ("members", "user"): SYSTEM,
    ("auth", "group"): SYSTEM,
    ("account", "emailaddress"): SYSTEM,
}
# Where a model missing from PLACES goes: its app's usual group; any other app's, System.
APP_GROUPS = {
    "members": MEMBERS,
    "rewards": POINTS,
    "referrals": REFERRALS,
    "campaigns": CAMPAIGNS,
    "reporting": REPORTS,
}
ORDER = {key: index for index, key in enumerate(PLACES)}


def group_of(app_label: str, model_name: str) -> str:
    return PLACES.get((app_label, model_name)) or APP_GROUPS.get(app_label, SYSTEM)


def slug(group: str) -> str:
    """ "Purchases & points" -> "purchases-points" (an anchor and a CSS class)."""
    return re.sub(r"[^a-z0-9]+", "-", group.lower()).strip("-")


class OfficeSite(admin.AdminSite):
    site_header = "Loyalty back office"
    site_title = "Loyalty back office"
    index_title = "Dashboard"
    index_template = "admin/office/index.html"

    def get_app_list(self, request, app_label=None):
        if app_label is not None:  # an app's own page: Django's list of that app
            return super().get_app_list(request, app_label)
        index = reverse("admin:index", current_app=self.name)
        groups: dict[str, list[dict]] = {}
        for app in self._build_app_dict(request).values():
            for model in app["models"]:
                meta = model["model"]._meta
                groups.setdefault(group_of(meta.app_label, meta.model_name), []).append(model)
        out = []
        for group in GROUPS:
            if group not in groups or (group == SYSTEM and not request.user.is_superuser):
                continue
            models = sorted(
                groups[group],
                key=lambda m: (
                    ORDER.get((m["model"]._meta.app_label, m["model"]._meta.model_name), 999),
                    m["name"],
                ),
            )
            out.append(
                {
                    "name": group,
                    "app_label": f"group-{slug(group)}",
                    "app_url": f"{index}#group-{slug(group)}",
                    "has_module_perms": True,
                    "models": models,
                }
            )
        return out

    def index(self, request, extra_context=None):
        """The dashboard: the figures this user may see, then every group of models."""
        context = {
            **self.each_context(request),
            "title": self.index_title,
            "subtitle": None,
            "app_list": self.get_app_list(request),
            "dashboard": dashboard.build(request.user),
            **(extra_context or {}),
        }
        request.current_app = self.name
        return TemplateResponse(request, self.index_template, context)
