"""Input fields that validate exactly what their OpenAPI schema says, no more, no less.

DRF's own fields are lenient where the schema is strict: ``"5"`` passes an IntegerField,
``"yes"`` a BooleanField, ``12`` a CharField, ``"2026-01-02T03:04"`` (no offset) a
DateTimeField; and strict where the schema is lenient (a NUL byte, surrounding spaces).
Each field here states its schema (``openapi()``) next to the validation that implements
it, and one drf-spectacular extension publishes it, so the two cannot drift apart.
"""

import re
from datetime import UTC, date, datetime

from django.core.exceptions import ImproperlyConfigured
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers

from loyalty.errors import ApplicationError
from rewards import validation

NO_NUL = r"^[^\u0000]*$"  # PostgreSQL cannot store a NUL byte in text
MAX_ID = 10**18 - 1  # what a path's id can be (18 digits): no id overflows 64 bits
# RFC 3339: a date-time with seconds and an offset (the schema's ``date-time`` format).
RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([Zz]|[+-]\d{2}:\d{2})", re.ASCII
)
# The hard ceilings of rewards.validation: what the schema states. A program's own
# (lower, merchant-set) maximum is the services' rule, answered with a 422 over_limit.
CEILINGS = validation.Limits(
    max_amount=validation.HARD_MAX_AMOUNT, max_points=validation.HARD_MAX_POINTS
)
AMOUNT_DIGITS = len(str(int(validation.HARD_MAX_AMOUNT)))
if validation.HARD_MAX_AMOUNT != 10**AMOUNT_DIGITS - validation.CENT:
    # The pattern states "below 10**AMOUNT_DIGITS": the ceiling must be all nines.
    raise ImproperlyConfigured("HARD_MAX_AMOUNT must be 10**n - 0.01 for the API's schema")
FIRST, LAST = datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)
INTEGER = re.compile(r"-?[0-9]{1,30}", re.ASCII)
DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


class SchemaField:
    """A field whose ``openapi()`` is its exact schema (nullable added when it allows None)."""

    def openapi(self) -> dict:
        raise NotImplementedError

    def fail_type(self, kind: str):
        raise serializers.ValidationError(f"must be {kind}", code="invalid")


class Text(SchemaField, serializers.Field):
    """A JSON string of ``min_length`` to ``max_length`` characters, no NUL, kept as given.

    Not a DRF CharField: its blank handling makes drf-spectacular wrap the schema in a
    ``oneOf`` whose branches overlap (so ``""`` would be invalid by the schema, valid here).
    """

    def __init__(self, *, max_length: int, min_length: int = 1, pattern: str | None = None, **kw):
        self.max_length, self.min_length, self.pattern = max_length, min_length, pattern
        super().__init__(**kw)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail_type("a string")
        if len(data) < self.min_length:
            if not data:
                raise serializers.ValidationError("This field may not be blank.", code="blank")
            raise serializers.ValidationError(
                f"at least {self.min_length} characters", code="min_length"
            )
        if len(data) > self.max_length:
            raise serializers.ValidationError(
                f"at most {self.max_length} characters", code="max_length"
            )
        if "\x00" in data:
            raise serializers.ValidationError("a NUL character is not allowed", code="null")
        if self.pattern and not re.fullmatch(self.pattern, data):
            raise serializers.ValidationError("has not the expected form", code="invalid")
        return data

    def to_representation(self, value):
        return value

    def openapi(self) -> dict:
        schema = {"type": "string", "maxLength": self.max_length, "pattern": self.pattern or NO_NUL}
        if self.min_length:
            schema["minLength"] = self.min_length
        return schema


class Integer(SchemaField, serializers.IntegerField):
    """A JSON integer (not a string of digits, not a float, not a boolean) within bounds;
    ``from_text``: a query parameter's decimal digits."""

    def __init__(self, *, min_value: int, max_value: int, from_text: bool = False, **kw):
        self.from_text = from_text
        super().__init__(min_value=min_value, max_value=max_value, **kw)

    def to_internal_value(self, data):
        if self.from_text and isinstance(data, str) and INTEGER.fullmatch(data):
            data = int(data)
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail_type("an integer")
        return super().to_internal_value(data)

    def openapi(self) -> dict:
        return {"type": "integer", "minimum": self.min_value, "maximum": self.max_value}


def an_id(**kw) -> Integer:
    return Integer(min_value=1, max_value=MAX_ID, **kw)


class Boolean(SchemaField, serializers.BooleanField):
    """A JSON ``true`` or ``false`` (not ``"yes"``, ``1`` or ``"true"``)."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail_type("true or false")
        return data

    def openapi(self) -> dict:
        return {"type": "boolean"}


def amount_pattern(integer_digits: int, *, allow_zero: bool) -> str:
    """Decimal strings of ASCII digits with at most 2 decimals, below 10**integer_digits."""
    whole = f"[1-9][0-9]{{0,{integer_digits - 1}}}"
    if allow_zero:
        return rf"^(0|{whole})(\.[0-9]{{1,2}})?$"
    return rf"^(0\.(0[1-9]|[1-9][0-9]?)|{whole}(\.[0-9]{{1,2}})?)$"


class Amount(SchemaField, serializers.Field):
    """Money as a decimal string (``"12.50"``): never a JSON number, which a float would round.

    The pattern is the hard ceiling; the program's own maximum (lower, set by the merchant)
    is a business rule of the services, answered with a 422.
    """

    def __init__(self, *, allow_zero: bool = False, **kw):
        self.allow_zero = allow_zero
        self.pattern = amount_pattern(AMOUNT_DIGITS, allow_zero=allow_zero)
        super().__init__(**kw)

    def to_internal_value(self, data):
        if not isinstance(data, str) or not re.fullmatch(self.pattern, data):
            smallest = "0" if self.allow_zero else "0.01"
            largest = validation.money_text(validation.HARD_MAX_AMOUNT)
            self.fail_type(
                f"a decimal string of ASCII digits with at most 2 decimals, "
                f'from {smallest} to {largest} (e.g. "12.50")'
            )
        try:  # the shared rules (rewards.validation) within the hard ceiling
            return validation.check_amount(
                data, field=self.field_name, limits=CEILINGS, allow_zero=self.allow_zero
            )
        except ApplicationError as exc:
            raise serializers.ValidationError(exc.message, code=exc.code) from None

    def to_representation(self, value):
        return str(value)

    def openapi(self) -> dict:
        limit = validation.money_text(validation.DEFAULT_MAX_AMOUNT)
        return {
            "type": "string",
            "format": "decimal",
            "pattern": self.pattern,
            "description": "A decimal string of ASCII digits, at most 2 decimals (no number, "
            f"no exponent), at most {validation.money_text(validation.HARD_MAX_AMOUNT)}. "
            f"Above the program's own maximum ({limit} unless the merchant changed it): "
            "422 `over_limit`.",
        }


class Moment(SchemaField, serializers.Field):
    """An RFC 3339 date-time with its offset; the range (the program's earliest date to now
    + 5 minutes) is a business rule of the services, answered with a 422."""

    def to_internal_value(self, data):
        if not isinstance(data, str) or not RFC3339.fullmatch(data):
            self.fail_type("a date-time like 2026-01-31T09:30:00+01:00 (with seconds and offset)")
        try:
            moment = datetime.fromisoformat(data.upper())
        except ValueError:
            self.fail_type("a real date and time")
        # In UTC: a database need not know an offset of +19:43 (PostgreSQL's stop at 15:59).
        # The first and last instants a datetime holds bound what the offset pushes past.
        try:
            return moment.astimezone(UTC)
        except OverflowError:
            return FIRST if moment.year == 1 else LAST

    def to_representation(self, value):
        return value.isoformat()

    def openapi(self) -> dict:
        return {
            "type": "string",
            "format": "date-time",
            "description": "RFC 3339, with seconds and an offset. Not before the program's "
            f"earliest date ({validation.DEFAULT_EARLIEST_DATE} unless the merchant changed "
            "it): 422 `too_early`; not after now + 5 minutes: 422 `in_future`.",
        }


class Day(SchemaField, serializers.Field):
    """A calendar date ``YYYY-MM-DD``."""

    def to_internal_value(self, data):
        if not isinstance(data, str) or not DAY.fullmatch(data):
            self.fail_type("a date like 1990-05-31")
        try:
            return date.fromisoformat(data)
        except ValueError:
            self.fail_type("a real date")

    def to_representation(self, value):
        return value.isoformat()

    def openapi(self) -> dict:
        return {"type": "string", "format": "date"}


class Choice(SchemaField, serializers.ChoiceField):
    """One of the given strings, exactly."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail_type("a string")
        return super().to_internal_value(data)

    def openapi(self) -> dict:
        return {"type": "string", "enum": list(self.choices)}


class SchemaFieldExtension(OpenApiSerializerFieldExtension):
    target_class = SchemaField
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        schema = self.target.openapi()
        if self.target.allow_null:
            schema["nullable"] = True
        if self.target.help_text:
            rule = schema.get("description")
            schema["description"] = (
                f"{self.target.help_text} {rule}" if rule else str(self.target.help_text)
            )
        return schema
