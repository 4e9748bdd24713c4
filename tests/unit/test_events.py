"""Event validation: schema errors name the field; admissibility needs the clinic's date."""

from datetime import date

import pytest
from pydantic import ValidationError

from domain import check_admissible, describe_errors, parse_event
from domain.errors import EventRefused
from tests.unit.builders import PATIENT, brain_mri, edss

BASE = {"event_id": "evt-1", "patient_ref": PATIENT, "occurred_on": "2026-01-15"}


def refusal(data: dict) -> list[dict[str, str]]:
    with pytest.raises(ValidationError) as caught:
        parse_event({**BASE, **data})
    return describe_errors(caught.value)


def refused_fields(data: dict) -> set[str]:
    return {item["field"] for item in refusal(data)}


def test_a_well_formed_event_is_parsed_into_its_typed_model():
    event = parse_event({**BASE, "type": "mri_performed", "regions": ["spinal", "brain"]})
    assert event.type == "mri_performed"
    assert event.occurred_on == date(2026, 1, 15)
    assert event.regions == ("brain", "spinal")
    assert event.ofsep_protocol is True and event.gadolinium is False


def test_a_missing_field_is_refused_naming_it():
    assert refused_fields({"type": "mri_performed"}) == {"regions"}


def test_an_unknown_type_is_refused_naming_the_type_field():
    errors = refusal({"type": "blood_test_done"})
    assert [e["field"] for e in errors] == ["type"]
    assert "mri_performed" in errors[0]["message"]


def test_an_event_without_type_is_refused_naming_the_type_field():
    assert refused_fields({}) == {"type"}


def test_an_impossible_date_is_refused_naming_occurred_on():
    assert refused_fields({"type": "crc_informed", "via": "letter", "occurred_on": "2026-02-30"}) == {"occurred_on"}


def test_an_unknown_field_is_refused_naming_it():
    assert refused_fields({"type": "crc_informed", "via": "letter", "patient_name": "X"}) == {"patient_name"}


def test_strict_models_refuse_a_string_where_a_boolean_is_expected():
    assert refused_fields({"type": "mri_performed", "regions": ["brain"], "gadolinium": "yes"}) == {"gadolinium"}


def test_a_cis_diagnosis_without_onset_is_refused_naming_onset_on():
    assert refused_fields({"type": "diagnosis_recorded", "diagnosis": "cis"}) == {"onset_on"}


def test_a_cis_onset_after_the_diagnosis_is_refused():
    assert refused_fields({"type": "diagnosis_recorded", "diagnosis": "cis", "onset_on": "2026-02-01"}) == {"onset_on"}


def test_a_non_cis_diagnosis_needs_no_onset():
    event = parse_event({**BASE, "type": "diagnosis_recorded", "diagnosis": "primary_progressive"})
    assert event.onset_on is None


@pytest.mark.parametrize("ref", ["p1", "A", "pat.0001_x-Y", "9" * 64])
def test_pseudonymous_patient_refs_are_accepted(ref):
    assert parse_event({**BASE, "patient_ref": ref, "type": "crc_informed", "via": "letter"}).patient_ref == ref


@pytest.mark.parametrize("ref", ["Jean Dupont", "-p1", ".p1", "", "p" * 65, "dupont@mail"])
def test_patient_refs_outside_the_pattern_are_refused(ref):
    assert refused_fields({"patient_ref": ref, "type": "crc_informed", "via": "letter"}) == {"patient_ref"}


@pytest.mark.parametrize("event_id", ["", "x" * 129])
def test_event_ids_must_have_1_to_128_characters(event_id):
    assert refused_fields({"event_id": event_id, "type": "crc_informed", "via": "letter"}) == {"event_id"}


def test_an_event_id_of_128_characters_is_accepted():
    assert parse_event({**BASE, "event_id": "x" * 128, "type": "crc_informed", "via": "letter"}).event_id == "x" * 128


@pytest.mark.parametrize("score", [0.0, 3.5, 4, 10.0])
def test_edss_scores_in_steps_of_half_a_point_are_accepted(score):
    assert edss("2026-01-15", score=score).score == score


@pytest.mark.parametrize("score", [3.3, 4.25, -0.5, 10.5])
def test_edss_scores_off_the_half_point_scale_are_refused(score):
    assert refused_fields({"type": "edss_recorded", "score": score}) == {"score"}


def test_mri_regions_must_be_non_empty_and_not_repeat():
    assert refused_fields({"type": "mri_performed", "regions": []}) == {"regions"}
    assert refused_fields({"type": "mri_performed", "regions": ["brain", "brain"]}) == {"regions"}
    assert "regions.0" in refused_fields({"type": "mri_performed", "regions": ["orbit"]})


@pytest.mark.parametrize("months", [0, 37])
def test_an_mri_rhythm_outside_1_to_36_months_is_refused(months):
    assert refused_fields({"type": "mri_rhythm_set", "every_months": months}) == {"every_months"}


def test_an_mri_rhythm_of_null_goes_back_to_the_default():
    assert parse_event({**BASE, "type": "mri_rhythm_set", "every_months": None}).every_months is None


def test_events_are_frozen():
    event = brain_mri("2026-01-15")
    with pytest.raises(ValidationError):
        event.occurred_on = date(2026, 1, 16)  # type: ignore[misc]


def test_an_event_dated_after_today_is_refused_naming_occurred_on():
    with pytest.raises(EventRefused) as caught:
        check_admissible(brain_mri("2026-01-16"), today=date(2026, 1, 15))
    assert caught.value.field == "occurred_on"
    assert "2026-01-16" in str(caught.value)


def test_an_event_dated_today_is_admissible():
    assert check_admissible(brain_mri("2026-01-15"), today=date(2026, 1, 15)) is None


def test_text_with_nul_characters_is_refused_naming_the_field():
    with pytest.raises(ValidationError) as refused:
        parse_event({"event_id": "e\x00vil", "patient_ref": "P1", "type": "edss_recorded",
                     "occurred_on": "2026-01-10", "score": 2.0})
    assert describe_errors(refused.value)[0]["field"] == "event_id"


def test_text_with_an_unpaired_surrogate_is_refused():
    with pytest.raises(ValidationError, match="Invalid JSON"):
        parse_event({"event_id": "e1", "patient_ref": "P1", "type": "edss_recorded", "source": "e\ud800vil",
                     "occurred_on": "2026-01-10", "score": 2.0})


def test_dates_before_1900_are_refused_as_implausible():
    event = parse_event({"event_id": "e1", "patient_ref": "P1", "type": "diagnosis_recorded",
                         "occurred_on": "2026-01-10", "diagnosis": "cis", "onset_on": "0001-01-01"})
    with pytest.raises(EventRefused, match="onset_on 0001-01-01 is before 1900-01-01"):
        check_admissible(event, date(2026, 11, 28))
