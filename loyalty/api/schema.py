"""What every operation declares in the OpenAPI schema: each status it can answer, and headers.

The schema is the contract (a schemathesis run checks every response against it): an
operation lists every status and header it can send, each error with the one JSON shape.
"""

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.fields import empty

from . import serializers as s
from .auth import ApiKeyAuthentication, MemberSessionAuthentication
from .errors import RULE_STATUS
from .fields import MAX_ID
from .idempotency import HEADER, KEY_PATTERN, MAX_KEY_LENGTH
from .redemption_serializers import RedeemIn

ERROR_DESCRIPTIONS = {
    400: "The request is not what this schema describes: a field, a parameter or the JSON "
    "itself (malformed, not UTF-8, nested too deeply). `details` has every field's messages.",
    401: "No credentials, or credentials that are invalid or revoked.",
    403: "The API key lacks the scope this operation needs.",
    404: "No such member, purchase, redemption, reward or code.",
    406: "The `Accept` header asks for something other than JSON.",
    409: "Conflicts with what exists: a duplicate order or member, an Idempotency-Key used "
    "with another body, a redemption already used or cancelled.",
    413: "The body is over the size limit.",
    415: "The body is not `application/json`.",
    RULE_STATUS: "Valid by this schema, refused by a business rule the schema cannot state: "
    "`code` says which (`insufficient_points`, `over_limit`, `unknown_channel`...).",
    429: "Over the rate limit of the key (or session): retry after `Retry-After` seconds.",
    503: "The write met a concurrent one (a database deadlock) and did nothing: send it "
    "again after `Retry-After` seconds, with the same Idempotency-Key.",
}
READ = (400, 401, 403, 404, 406, 429)
BODY = (*READ, 413, 415, RULE_STATUS)
WRITE = (*BODY, 409, 503)
SESSION = (401, 404, 406, 429)

RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    OpenApiTypes.INT,
    OpenApiParameter.HEADER,
    required=True,
    response=[429, 503],
    description="Seconds until a request may be sent again.",
)
WWW_AUTHENTICATE = OpenApiParameter(
    "WWW-Authenticate",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    response=[401],
    description="The credentials this operation takes (`Api-Key`, or `Session` for `/me/`).",
)
IDEMPOTENCY_PARAM = OpenApiParameter(
    HEADER,
    {"type": "string", "pattern": KEY_PATTERN},
    OpenApiParameter.HEADER,
    required=False,
    description=f"Any unique string of printable ASCII without spaces (max {MAX_KEY_LENGTH}): "
    "a retry with the same key and body replays the first response; the same key with another "
    "body is a 409.",
)


def path_id(name: str, what: str) -> OpenApiParameter:
    """An id in the path: up to 18 digits (a longer one matches no route: a 404)."""
    return OpenApiParameter(
        name,
        {"type": "integer", "minimum": 1, "maximum": MAX_ID},
        OpenApiParameter.PATH,
        description=f"The {what}'s id.",
    )


def replay_headers(ok_status: int) -> list[OpenApiParameter]:
    """The headers of a write's answer when the request carried an Idempotency-Key."""
    return [
        OpenApiParameter(
            HEADER,
            OpenApiTypes.STR,
            OpenApiParameter.HEADER,
            response=[ok_status],
            description="The request's Idempotency-Key, when it carried one.",
        ),
        OpenApiParameter(
            "Idempotent-Replayed",
            {"type": "string", "enum": ["true"]},
            OpenApiParameter.HEADER,
            response=[ok_status],
            description="`true` when this is the stored answer to an earlier request.",
        ),
    ]


def operation(
    operation_id: str,
    out,
    *,
    ok: int = 200,
    request=empty,
    errors: tuple[int, ...] = READ,
    idempotent: bool = False,
    parameters: list | None = None,
    description: str | None = None,
):
    """``extend_schema`` of one operation: its answer, every error it can give, its headers."""
    responses = {ok: out}
    for code in sorted(errors):
        responses[code] = OpenApiResponse(s.ErrorSerializer, description=ERROR_DESCRIPTIONS[code])
    extra = [RETRY_AFTER]
    if 401 in errors:
        extra.append(WWW_AUTHENTICATE)
    if idempotent:
        extra += [IDEMPOTENCY_PARAM, *replay_headers(ok)]
    return extend_schema(
        operation_id=operation_id,
        request=request,
        responses=responses,
        parameters=[*(parameters or []), *extra],
        description=description,
    )


class RedeemInScheme(OpenApiSerializerExtension):
    """``RedeemIn`` is one of two bodies, each with nothing more than its own fields."""

    target_class = RedeemIn

    def map_serializer(self, auto_schema, direction):
        shapes = []
        for shape in RedeemIn.SHAPES.values():
            schema = auto_schema._map_serializer(shape, direction)
            schema["additionalProperties"] = False
            schema["description"] = shape.__doc__
            shapes.append(schema)
        # "required" at the top as well: it makes the body itself required.
        return {"oneOf": shapes, "required": ["member_id"]}


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = ApiKeyAuthentication
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key lk_<prefix>_<secret>`, created in the admin (API keys).",
        }


class MemberSessionScheme(OpenApiAuthenticationExtension):
    target_class = MemberSessionAuthentication
    name = "memberSession"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": "The member portal's session (signed in at /accounts/login/).",
        }
