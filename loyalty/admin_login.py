"""Django's admin login behind allauth's ``login_failed`` rate limit.

allauth limits failed logins on its own pages only; without this, the admin's login
form would let anyone try passwords as fast as the server answers.
"""

from allauth.core import ratelimit
from django.contrib import admin


def admin_login(request, extra_context=None):
    if request.method != "POST":
        return admin.site.login(request, extra_context)
    key = "admin:" + (request.POST.get("username") or "").strip().lower()
    # Checked before the password is even looked at, so a blocked address learns nothing.
    if not ratelimit.consume(request, action="login_failed", key=key, dry_run=True):
        return ratelimit.respond_429(request)
    response = admin.site.login(request, extra_context)
    if response.status_code == 200:  # the form again: wrong password or not staff
        ratelimit.consume(request, action="login_failed", key=key)
    return response
