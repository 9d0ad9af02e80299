"""HTTP hygiene before any view: a path with a NUL byte names nothing (404, never a 500).

PostgreSQL refuses a NUL in text, so such a path must never reach a query; no URL of the
project contains one, so it is a 404 for every route (in the JSON shape under /api/).
"""

from django.http import HttpResponseNotFound

from loyalty.api.errors import not_found as api_not_found

API_PREFIX = "/api/"


class RefuseNulInPathMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path:
            if request.path.startswith(API_PREFIX):
                return api_not_found(request)
            return HttpResponseNotFound("Not found")
        return self.get_response(request)
