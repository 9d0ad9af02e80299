"""What every operation declares in the OpenAPI schema: its error answers and headers."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from . import serializers as s
from .idempotency import HEADER

IDEMPOTENCY_PARAM = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="Any unique string (max 200): a retry with the same key and body replays "
    "the first response; the same key with another body is a 409.",
)
ERRORS = {
    400: s.ErrorSerializer,
    401: s.ErrorSerializer,
    403: s.ErrorSerializer,
    404: s.ErrorSerializer,
    409: s.ErrorSerializer,
    429: s.ErrorSerializer,
}


def responses(ok_status: int, serializer) -> dict:
    return {ok_status: serializer, **ERRORS}
