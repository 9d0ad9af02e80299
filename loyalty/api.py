"""API plumbing shared by the apps: domain errors become a 400 with a code, message and field."""

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import ApplicationError


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        status_code = (
            status.HTTP_404_NOT_FOUND if exc.code == "not_found" else status.HTTP_400_BAD_REQUEST
        )
        if exc.code == "idempotency_conflict":
            status_code = status.HTTP_409_CONFLICT
        return Response(
            {"error": {"code": exc.code, "message": exc.message, "field": exc.field}},
            status=status_code,
        )
    return drf_exception_handler(exc, context)
