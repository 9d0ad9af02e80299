"""One rate limit per API key (or member session): ``API_RATE_LIMIT``, atomic under load.

The counting is ``loyalty.ratelimit`` (one Redis script per request): at most N requests of
a key are accepted in any window, however many clients share the key.
"""

from rest_framework import throttling
from rest_framework.settings import api_settings

from loyalty import ratelimit
from rewards.models import ApiKey


class ApiKeyRateThrottle(throttling.BaseThrottle):
    """The rate of ``REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']['api_key']`` per key or login."""

    scope = "api_key"

    def allow_request(self, request, view):
        # Read at request time, so a settings change (or a test's override) takes effect.
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        if rate is None:
            return True
        verdict = ratelimit.hit(f"{self.scope}:{self.ident(request)}", ratelimit.Rate.parse(rate))
        self.retry_after = verdict.retry_after
        return verdict.allowed

    def wait(self):
        return self.retry_after

    def ident(self, request) -> str:
        if isinstance(request.auth, ApiKey):
            return f"key-{request.auth.pk}"
        if request.user and request.user.is_authenticated:
            return f"user-{request.user.pk}"
        return f"ip-{self.get_ident(request)}"
