"""The error catalogue walked: every kind of refusal a field can meet (in an event, a path or a
query parameter) is provoked, and its message is written for the person who sent the value,
with no pydantic jargon ("Input should", "Tuple should have", "String should match pattern")."""

from __future__ import annotations

import json
import re
from datetime import date
from enum import Enum
from typing import Annotated, Any

import pytest
from pydantic import BaseModel, ConfigDict, Field, Json, TypeAdapter, ValidationError

from domain.events import describe_errors, parse_event
from domain.field_messages import BY_FIELD, CATALOGUE, ISO_DATE_PATTERN, user_message

JARGON = re.compile(r"Input should|should have|after validation|String should|Tuple|Value error|\^\\\\d|validation error")
BASE = {"event_id": "e-1", "patient_ref": "P1", "occurred_on": "2026-01-15"}


class Colour(str, Enum):
    RED = "red"
    BLUE = "blue"


class Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    flag: bool = False
    count: int = 0
    ratio: float = 0.0
    on: date | None = None
    name: str = ""
    items: tuple[str, ...] = ()
    tags: list[str] = []
    child: Strict | None = None


def lax(annotation: Any, value: Any) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        TypeAdapter(annotation).validate_python(value)
    return caught.value


def strict(data: Any) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        Strict.model_validate_json(data if isinstance(data, str) else json.dumps(data))
    return caught.value


def event(**fields: Any) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        parse_event({**BASE, **fields})
    return caught.value


def _from_attributes(value: Any) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        Strict.model_validate(value, from_attributes=True)
    return caught.value


CASES: dict[str, tuple[Any, str]] = {
    # kind: (how to provoke it, the message expected)
    "missing": (lambda: event(type="crc_informed"), "is required"),
    "extra_forbidden": (lambda: event(type="crc_informed", via="letter", patient_name="X"),
                        "is not a known field (unknown fields are refused)"),
    "string_type": (lambda: event(type="crc_informed", via="letter", source=3), "must be a string"),
    "bool_type": (lambda: event(type="etp_assessed", referral_needed="yes"),
                  "must be true or false (a JSON boolean, not a string)"),
    "bool_parsing": (lambda: lax(bool, "perhaps"), "must be true or false"),
    "int_type": (lambda: event(type="mri_rhythm_set", every_months="6"), "must be a whole number (a JSON number)"),
    "int_parsing": (lambda: lax(int, "ten"), "must be a whole number"),
    "int_from_float": (lambda: lax(int, 2.5), "must be a whole number"),
    "float_type": (lambda: event(type="edss_recorded", score="2.5"), "must be a number (a JSON number)"),
    "float_parsing": (lambda: lax(float, "two"), "must be a number"),
    "date_type": (lambda: strict({"on": 20260115}), "must be a calendar date written YYYY-MM-DD, e.g. 2027-03-01"),
    # An event's dates are read by domain.calendar.iso_date first (a value_error, same words:
    # test_an_event_date_in_any_other_form_is_told_how_to_write_it); a plain `date` field still raises this.
    "date_parsing": (lambda: strict({"on": "15/01/2026"}), "must be a calendar date written YYYY-MM-DD, e.g. 2027-03-01"),
    "date_from_datetime_parsing": (lambda: lax(date, "2026-02-30T10:00:00"),
                                   "must be a calendar date written YYYY-MM-DD, e.g. 2027-03-01"),
    "date_from_datetime_inexact": (lambda: lax(date, "2026-01-15T10:30:00"),
                                   "must be a calendar date written YYYY-MM-DD, e.g. 2027-03-01, without a time"),
    "string_pattern_mismatch": (lambda: event(type="crc_informed", via="letter", patient_ref="Jean Dupont"),
                                "must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or a digit "
                                "(a pseudonymous reference, never a name)"),
    "string_too_short": (lambda: event(type="crc_informed", via="letter", event_id=""), "must not be empty"),
    "string_too_long": (lambda: event(type="crc_informed", via="letter", event_id="x" * 129),
                        "must have at most 128 characters"),
    "too_short": (lambda: lax(Annotated[list[int], Field(min_length=2)], [1]), "must have at least 2 values"),
    "too_long": (lambda: event(type="mri_performed", regions=["brain", "spinal", "brain"]),
                 "must have at most 2 values"),
    "literal_error": (lambda: event(type="crc_informed", via="pigeon"),
                      "must be 'consultation', 'letter' or 'ofsep_form'"),
    "enum": (lambda: lax(Colour, "green"), "must be 'red' or 'blue'"),
    "greater_than_equal": (lambda: event(type="edss_recorded", score=-0.5), "must be at least 0"),
    "less_than_equal": (lambda: event(type="mri_rhythm_set", every_months=37), "must be at most 36"),
    "greater_than": (lambda: lax(Annotated[int, Field(gt=0)], 0), "must be more than 0"),
    "less_than": (lambda: lax(Annotated[int, Field(lt=10)], 10), "must be less than 10"),
    "multiple_of": (lambda: lax(Annotated[float, Field(multiple_of=0.25)], 0.3), "must be in steps of 0.25"),
    "finite_number": (lambda: lax(Annotated[float, Field(allow_inf_nan=False)], float("nan")),
                      "must be a finite number"),
    "tuple_type": (lambda: event(type="mri_performed", regions="brain"), "must be a list (a JSON array)"),
    "list_type": (lambda: strict({"tags": "a"}), "must be a list (a JSON array)"),
    "model_type": (lambda: strict({"child": 3}), "must be an object"),
    "model_attributes_type": (lambda: _from_attributes(3), "must be an object"),
    "dict_type": (lambda: lax(dict[str, int], 3), "must be an object"),
    "json_invalid": (lambda: strict("{not json"), "is not valid JSON"),
    "json_type": (lambda: lax(Json, 3), "must be JSON"),
    "none_required": (lambda: lax(None, 3), "must be null"),
}


def test_every_kind_in_the_catalogue_has_a_case_here():
    assert set(CASES) == set(CATALOGUE)


@pytest.mark.parametrize("kind", sorted(CATALOGUE))
def test_each_kind_of_refusal_is_worded_for_the_user(kind):
    provoke, expected = CASES[kind]
    errors = provoke().errors()
    matching = [e for e in errors if e["type"] == kind]
    assert matching, f"{kind} not provoked: {[e['type'] for e in errors]}"
    message = user_message(matching[0])
    assert message == expected
    assert not JARGON.search(message), message


def test_fields_with_a_message_of_their_own():
    assert [e["message"] for e in describe_errors(event(type="mri_performed", regions=[]))] == [
        BY_FIELD[("too_short", "regions")]]
    assert [e["message"] for e in describe_errors(event(type="edss_recorded", score=3.3))] == [
        BY_FIELD[("multiple_of", "score")]]


def test_a_date_query_parameter_in_the_wrong_form_is_told_how_to_write_it():
    error = lax(Annotated[str, Field(pattern=ISO_DATE_PATTERN)], "31/12/2026").errors()[0]
    assert user_message(error) == "must be a calendar date written YYYY-MM-DD, e.g. 2027-03-01"


@pytest.mark.parametrize("written", ["15/01/2026", "1772323200", "20260301", "2026-01-15T00:00:00", 20260115])
def test_an_event_date_in_any_other_form_is_told_how_to_write_it(written):
    [described] = describe_errors(event(type="crc_informed", via="letter", occurred_on=written))
    assert described == {"field": "occurred_on", "message": "must be a calendar date written YYYY-MM-DD, e.g. 2027-03-01"}


def test_an_impossible_event_date_says_why_in_the_same_words():
    [described] = describe_errors(event(type="crc_informed", via="letter", occurred_on="2026-02-30"))
    assert described == {"field": "occurred_on", "message": "must be a calendar date written YYYY-MM-DD, e.g. "
                                                            "2027-03-01 (day is out of range for month)"}


BAD_EVENTS = [
    {"type": "mri_performed", "regions": []}, {"type": "mri_performed", "regions": ["knee"]},
    {"type": "visit_completed", "setting": "home", "components": ["x"], "transmitted_to_crc": 1},
    {"type": "edss_recorded", "score": 11}, {"type": "treatment_started", "molecule": 42},
    {"type": "diagnosis_recorded", "diagnosis": "cis"}, {"type": "nope"}, {"type": "care_team_assigned"},
    {"type": "follow_up_ended", "reason": "bored", "occurred_on": "yesterday"}, {"type": 3},
    {"type": "mri_rhythm_set", "every_months": 2.5}, {"type": "crc_informed", "via": None},
]


@pytest.mark.parametrize("data", BAD_EVENTS, ids=lambda d: str(d.get("type")))
def test_no_refusal_of_an_event_speaks_pydantic(data: dict[str, Any]):
    for described in describe_errors(event(**data)):
        assert not JARGON.search(described["message"]), described
