"""The client's IP address behind ``TRUSTED_PROXY_COUNT`` proxies, for the login rate limits.

Each proxy appends the address it received the request from to ``X-Forwarded-For``; the
client can write anything to the left of it. So the address is the N-th entry from the
right, N being the number of proxies of the deployment (0: no proxy, ``REMOTE_ADDR``). A
request carrying fewer entries than that did not come through all the proxies: its header
proves nothing, and ``REMOTE_ADDR`` counts. allauth's own reading raises a server error
in that case; every login (allauth's and the admin's, ``loyalty/admin_login.py``) reads
the address here through ``AccountAdapter``.
"""

import ipaddress

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings


def client_ip(request) -> str | None:
    remote = _address(request.META.get("REMOTE_ADDR", ""))
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    entries = [entry.strip() for entry in request.headers.get("X-Forwarded-For", "").split(",")]
    entries = [entry for entry in entries if entry]
    if len(entries) < proxies:
        return remote
    return _address(entries[-proxies]) or remote


def _address(text: str) -> str | None:
    """A valid IPv4 or IPv6 address (``[v6]`` and ``v4:port`` forms too), else None."""
    text = text.strip()
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request) -> str:
        ip = client_ip(request)
        return ip if ip is not None else super().get_client_ip(request)
