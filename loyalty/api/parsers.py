"""The API's one parser: JSON, bounded in size and in nesting, so no body can cost a 500.

Python's JSON decoder recurses once per level: a body of a few thousand ``[`` exhausts the
interpreter's stack (``RecursionError``). No request of this API nests beyond a few levels,
so anything deeper than ``MAX_DEPTH`` is refused as malformed (400) before anyone walks it.
"""

import json
import re

from django.conf import settings
from rest_framework import exceptions, parsers, status

MAX_DEPTH = 64
SURROGATE_ESCAPE = re.compile(rb"\\[uU][dD][89a-fA-F]")
SURROGATE = re.compile("[\ud800-\udfff]")


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "the request body is too large"
    default_code = "request_too_large"


def depth(value) -> int:
    """How deeply lists and objects nest in a parsed JSON value (iteratively: no recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            item = item.values()
        elif not isinstance(item, list):
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in item if isinstance(child, dict | list))
    return deepest


def strings(value):
    """Every key and string in a parsed JSON value (iteratively)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def loads(body: bytes):
    """The JSON of a request body, or a ``ParseError`` in the client's words."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise exceptions.ParseError("the body is not UTF-8 text") from None
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise exceptions.ParseError(f"JSON nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:
        raise exceptions.ParseError(f"JSON parse error - {exc}") from None
    # Fewer brackets than the limit cannot nest deeper: the usual body is never walked.
    if body.count(b"[") + body.count(b"{") > MAX_DEPTH and depth(data) > MAX_DEPTH:
        raise exceptions.ParseError(f"JSON nested deeper than {MAX_DEPTH} levels")
    # "\ud800" alone is no character: no database stores it, no answer could echo it.
    if SURROGATE_ESCAPE.search(body) and any(SURROGATE.search(text) for text in strings(data)):
        raise exceptions.ParseError("the JSON has a lone surrogate (\\ud800-\\udfff): not text")
    return data


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a number in JSON")


class JSONParser(parsers.BaseParser):
    """``application/json`` only (UTF-8), at most ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes."""

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(body) > limit:
            raise RequestTooLarge()
        return loads(body)
