"""What a refused field is told, in the words of the person who sent it.

pydantic's messages speak of its own types ("Tuple should have at least 1 item after
validation, not 0", "String should match pattern '^\\d{4}-\\d{2}-\\d{2}$'"). Every error
an event, a path or a query parameter can raise is turned here into a message that names
what the value must be. `CATALOGUE` maps pydantic's error types to messages (a test walks
it, provoking each one); a few fields have a message of their own (`BY_FIELD`). An error
type not in the catalogue keeps pydantic's message, and the test of the catalogue fails on
it, so a new kind of error is worded before it ships.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from domain.calendar import DATE_FORMAT_MESSAGE, ISO_DATE_PATTERN

__all__ = ["BY_FIELD", "CATALOGUE", "DATE", "ISO_DATE_PATTERN", "REFERENCE_RULE", "user_message"]

REFERENCE_RULE = "1 to 64 letters, digits, '.', '_' or '-', starting with a letter or a digit"

DATE = DATE_FORMAT_MESSAGE  # one wording for a date, wherever it is refused (domain.calendar.iso_date too)


def _pattern(ctx: Mapping[str, Any]) -> str:
    pattern = ctx.get("pattern", "")
    if pattern == ISO_DATE_PATTERN:
        return DATE
    if pattern.startswith("^[A-Za-z0-9][A-Za-z0-9._-]"):
        return f"must be {REFERENCE_RULE} (a pseudonymous reference, never a name)"
    return f"does not have the expected form ({pattern})"


def _length(ctx: Mapping[str, Any], bound: str, unit: str) -> str:
    n = ctx.get("min_length" if bound == "at least" else "max_length")
    if bound == "at least" and n == 1 and unit == "character":
        return "must not be empty"
    return f"must have {bound} {n} {unit}{'' if n == 1 else 's'}"


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


Message = Callable[[Mapping[str, Any]], str]

CATALOGUE: dict[str, Message] = {
    "missing": lambda ctx: "is required",
    "extra_forbidden": lambda ctx: "is not a known field (unknown fields are refused)",
    "string_type": lambda ctx: "must be a string",
    "bool_type": lambda ctx: "must be true or false (a JSON boolean, not a string)",
    "bool_parsing": lambda ctx: "must be true or false",
    "int_type": lambda ctx: "must be a whole number (a JSON number)",
    "int_parsing": lambda ctx: "must be a whole number",
    "int_from_float": lambda ctx: "must be a whole number",
    "float_type": lambda ctx: "must be a number (a JSON number)",
    "float_parsing": lambda ctx: "must be a number",
    "date_type": lambda ctx: DATE,
    "date_parsing": lambda ctx: DATE,
    "date_from_datetime_parsing": lambda ctx: DATE,
    "date_from_datetime_inexact": lambda ctx: f"{DATE}, without a time",
    "string_pattern_mismatch": _pattern,
    "string_too_short": lambda ctx: _length(ctx, "at least", "character"),
    "string_too_long": lambda ctx: _length(ctx, "at most", "character"),
    "too_short": lambda ctx: _length(ctx, "at least", "value"),
    "too_long": lambda ctx: _length(ctx, "at most", "value"),
    "literal_error": lambda ctx: f"must be {ctx.get('expected', 'one of the documented values')}",
    "enum": lambda ctx: f"must be {ctx.get('expected', 'one of the documented values')}",
    "greater_than_equal": lambda ctx: f"must be at least {_number(ctx.get('ge'))}",
    "less_than_equal": lambda ctx: f"must be at most {_number(ctx.get('le'))}",
    "greater_than": lambda ctx: f"must be more than {_number(ctx.get('gt'))}",
    "less_than": lambda ctx: f"must be less than {_number(ctx.get('lt'))}",
    "multiple_of": lambda ctx: f"must be in steps of {_number(ctx.get('multiple_of'))}",
    "finite_number": lambda ctx: "must be a finite number",
    "tuple_type": lambda ctx: "must be a list (a JSON array)",
    "list_type": lambda ctx: "must be a list (a JSON array)",
    "model_type": lambda ctx: "must be an object",
    "model_attributes_type": lambda ctx: "must be an object",
    "dict_type": lambda ctx: "must be an object",
    "json_invalid": lambda ctx: "is not valid JSON",
    "json_type": lambda ctx: "must be JSON",
    "none_required": lambda ctx: "must be null",
}

BY_FIELD: dict[tuple[str, str], str] = {
    ("too_short", "regions"): "must name at least one region: brain, spinal, or both",
    ("multiple_of", "score"): "must be an EDSS score in steps of 0.5 (0, 0.5, 1, … 10)",
}


def user_message(error: Mapping[str, Any]) -> str:
    """The message for one pydantic error (`ValidationError.errors()` item): ours for a
    `value_error` (raised by the models' validators), the catalogue's otherwise."""
    kind = error.get("type", "")
    if kind in ("value_error", "assertion_error"):
        return str(error.get("msg", "")).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    location = error.get("loc") or ("",)
    field = str(location[-1])
    if (kind, field) in BY_FIELD:
        return BY_FIELD[(kind, field)]
    message = CATALOGUE.get(kind)
    return message(error.get("ctx") or {}) if message else str(error.get("msg", "is not valid"))
