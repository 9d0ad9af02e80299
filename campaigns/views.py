"""The unsubscribe page: a link from an email (GET asks), or the mail client's one-click POST."""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from loyalty.errors import ApplicationError

from . import unsubscribe as service


@csrf_exempt  # RFC 8058: the mail provider POSTs with no session; the signed token is the proof
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    try:
        member = service.member_for(token)
    except ApplicationError as exc:
        return render(request, "campaigns/unsubscribe.html", {"error": exc.message}, status=400)
    if request.method == "POST":
        service.unsubscribe(token=token)
        if request.POST.get("List-Unsubscribe") == "One-Click":
            return HttpResponse("Unsubscribed.", content_type="text/plain")
        return render(request, "campaigns/unsubscribe.html", {"done": True, "member": member})
    return render(request, "campaigns/unsubscribe.html", {"member": member})
