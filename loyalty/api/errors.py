"""Every error of the API is ``{"error": {"code", "message", "field"}}``, with its status.

400 means "not what the schema describes" (DRF's validation, the parser). Domain errors
(``ApplicationError``) are a business rule refusing schema-valid input: 422, or 404 for
``not_found`` and 409 for conflicts. DRF's own errors (authentication, permission,
throttling, 404, 405, 406, 415) keep their status and are reshaped the same way, with the
full validation detail beside; a deadlock inside the request's transaction is a 503.
"""

from django.core.exceptions import RequestDataTooBig
from django.db import DataError, OperationalError
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.exceptions import ErrorDetail
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from loyalty.db import is_retryable
from loyalty.errors import ApplicationError

CONFLICT_CODES = {
    "idempotency_conflict",
    "duplicate_order",
    "duplicate_member",
    "already_cancelled",
    "already_used",
    "code_not_usable",
}
STATUS_BY_CODE = {"not_found": status.HTTP_404_NOT_FOUND}
# Input valid by the schema that a business rule refuses (the balance, a configured limit,
# an unknown channel...): 422, so that 400 always means "not what the schema describes".
RULE_STATUS = status.HTTP_422_UNPROCESSABLE_ENTITY


@csrf_exempt  # a POST to no endpoint is a 404, not the CSRF failure page
def not_found(request, *args, **kwargs) -> JsonResponse:
    """Any path under /api/ that names no endpoint (a 19-digit id, a typo, a NUL byte)."""
    return JsonResponse(
        error_body("not_found", "no API endpoint at this address"), status=status.HTTP_404_NOT_FOUND
    )


def error_body(code: str, message: str, field: str | None = None, **extra) -> dict:
    return {"error": {"code": code, "message": message, "field": field, **extra}}


def _first_error(detail, path: str = ""):
    """(field, message, code) of the first error of a nested DRF validation detail."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            if not value:
                continue  # a valid item of a list
            if isinstance(key, int):
                sub = f"{path}[{key}]"
            elif key == "non_field_errors":
                sub = path
            else:
                sub = f"{path}.{key}" if path else str(key)
            return _first_error(value, sub)
    if isinstance(detail, list):
        for index, value in enumerate(detail):
            if isinstance(value, dict) and not value:
                continue
            if isinstance(value, dict | list):
                return _first_error(value, f"{path}[{index}]")
            return _first_error(value, path)
    code = detail.code if isinstance(detail, ErrorDetail) else "invalid"
    return path or None, str(detail), code


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        status_code = STATUS_BY_CODE.get(exc.code, RULE_STATUS)
        if exc.code in CONFLICT_CODES:
            status_code = status.HTTP_409_CONFLICT
        return Response(error_body(exc.code, exc.message, exc.field), status=status_code)
    if isinstance(exc, RequestDataTooBig):
        return Response(
            error_body("request_too_large", "the request body is too large"),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, OperationalError) and is_retryable(exc):
        # A deadlock or serialization failure inside the request's transaction (which the
        # services cannot retry from within): nothing was written, the client retries.
        response = Response(
            error_body("busy", "a concurrent change got in the way: nothing was done, retry"),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
        )
        response["Retry-After"] = "1"
        return response
    if isinstance(exc, DataError | OverflowError):
        # A value the database cannot hold (an id beyond 64 bits...): the input's fault.
        return Response(
            error_body("invalid", "a value is out of range"), status=status.HTTP_400_BAD_REQUEST
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        field, message, code = _first_error(exc.detail)
        response.data = error_body(
            code, f"{field}: {message}" if field else message, field, details=exc.detail
        )
    else:
        # DRF's own answer ({"detail": ErrorDetail}), whatever the exception it came from.
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
        code = detail.code if isinstance(detail, ErrorDetail) else "error"
        response.data = error_body(code, str(detail))
    return response
