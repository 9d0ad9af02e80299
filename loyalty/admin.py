"""The one member admin, composed of the parts each app contributes, registered once.

``members`` gives the base (fields, search, the partial save); ``rewards`` the ledger and
adjustments, closing and erasure, the tiers and the actions. Each part is a mixin with its
``tools`` (per-object pages run by ``ActionViewsMixin``) and, where it has them, inlines
and read-only fields; the lists are joined here in the order the page shows them.
"""

from django.contrib import admin

from members.admin import MemberAdminBase
from members.models import Member
from rewards.admin.actions import ActionTools
from rewards.admin.base import ActionViewsMixin
from rewards.admin.forms import MemberForm
from rewards.admin.members import LedgerTools, MembershipTools
from rewards.admin.tiers import TierTools


@admin.register(Member)
class MemberAdmin(
    LedgerTools, MembershipTools, TierTools, ActionTools, ActionViewsMixin, MemberAdminBase
):
    form = MemberForm
    list_display = [*MemberAdminBase.list_display, "tier"]
    list_filter = [*MemberAdminBase.list_filter, "tier", "tier_pinned"]
    list_select_related = ["tier"]
    inlines = [*LedgerTools.inlines, *TierTools.inlines]
    readonly_fields = [*MemberAdminBase.readonly_fields, *TierTools.readonly_fields]
    fieldsets = (*MemberAdminBase.fieldsets, *TierTools.fieldsets)
    object_actions = [
        *LedgerTools.tools,
        *MembershipTools.tools,
        *TierTools.tools,
        *ActionTools.tools,
    ]
