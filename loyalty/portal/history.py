"""The portal's history page: every ledger entry of the member, in plain words."""

from django.core.paginator import Paginator
from django.shortcuts import render

from rewards.models import LedgerEntry

from .access import portal_page

PAGE_SIZE = 25


@portal_page
def history(request, member):
    entries = LedgerEntry.objects.filter(member=member).order_by("-effective_at", "-pk")
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/history.html", {"member": member, "page": page})
