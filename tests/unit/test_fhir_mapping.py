"""The FHIR R4 adapter, resource type by resource type: what each gives through the shipped
mapping (rulesets/fhir/crc-sep-marseille.fhir.yaml), what it refuses (named by FHIRPath), the
event ids and the corrections (new versions, entered-in-error), and the four example Bundles
against the `/v1/events` batches of the same facts."""

from __future__ import annotations

import copy
import json
import re
from datetime import date
from pathlib import Path

import pytest

from domain import compute_plan
from domain.catalogue import in_catalogue
from domain.events import EventRetracted, parse_event
from fhir_r4.corrections import to_events
from fhir_r4.outcome import FhirRefused, operation_outcome
from fhir_r4.parse import read_submission
from fhir_r4.reader import read_facts
from rulesets import RulesetError, default
from rulesets.fhir import DEFAULT_FILE, default_mapping, load_mapping

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TODAY = date(2026, 11, 30)
PATIENT_SYSTEM = "https://crc-sep-marseille.example/fhir/sid/pathway-ref"
LOCAL = "https://crc-sep-marseille.example/fhir/CodeSystem/pathway"
SUBJECT = {"identifier": {"system": PATIENT_SYSTEM, "value": "PSEUDO-1"}}
EXAMPLE_NAMES = ["natalizumab-patient", "cis-patient", "switch-fingolimod-ocrelizumab-patient",
                 "alemtuzumab-stop-patient"]


def cc(system: str, code: str) -> dict:
    return {"coding": [{"system": system, "code": code}]}


def events_of(resource: dict, stored: list | None = None) -> list:
    submission = read_submission(resource, resource["resourceType"])
    return to_events(read_facts(submission, default_mapping()), {"PSEUDO-1": stored or []}, TODAY, default()).events


def refusal(resource: dict, resource_type: str | None = None) -> FhirRefused:
    with pytest.raises(FhirRefused) as refused:
        submission = read_submission(resource, resource_type or resource["resourceType"])
        to_events(read_facts(submission, default_mapping()), {}, TODAY, default())
    return refused.value


def condition(code: dict, **fields) -> dict:
    return {"resourceType": "Condition", "id": "dx-1", "meta": {"versionId": "1"}, "subject": SUBJECT, "code": code,
            **fields}


def statement(status: str = "active", version: str = "1", **period) -> dict:
    return {"resourceType": "MedicationStatement", "id": "ms-1", "meta": {"versionId": version}, "status": status,
            "subject": SUBJECT, "medicationCodeableConcept": cc("http://www.whocc.no/atc", "L04AG03"),
            "effectivePeriod": period or {"start": "2026-03-02"}}


def test_condition_coded_snomed_gives_diagnosis_recorded_on_its_recorded_date_with_onset():
    [event] = events_of(condition(cc("http://snomed.info/sct", "426373005"), onsetDateTime="2025-11-20",
                                  recordedDate="2026-01-12"))
    assert (event.type, event.diagnosis, event.occurred_on, event.onset_on) == (
        "diagnosis_recorded", "relapsing_remitting", date(2026, 1, 12), date(2025, 11, 20))
    assert (event.event_id, event.patient_ref) == ("fhir:Condition/dx-1/1", "PSEUDO-1")


def test_condition_icd11_8a41_is_a_cis_and_icd10_g35_is_read_as_relapsing_remitting():
    [cis] = events_of(condition(cc("http://id.who.int/icd/release/11/mms", "8A41"), onsetDateTime="2026-09-01"))
    [g35] = events_of(condition(cc("http://hl7.org/fhir/sid/icd-10", "G35"), recordedDate="2026-02-01"))
    assert (cis.diagnosis, cis.occurred_on, cis.onset_on) == ("cis", date(2026, 9, 1), date(2026, 9, 1))
    assert g35.diagnosis == "relapsing_remitting"


def test_condition_with_a_code_the_mapping_lacks_is_refused_naming_its_code():
    refused = refusal(condition(cc("http://snomed.info/sct", "22298006"), recordedDate="2026-01-12"))
    [issue] = refused.issues
    assert (refused.status, issue.code, issue.expression) == (422, "code-invalid", "Condition.code")
    assert "http://snomed.info/sct|426373005" in issue.message


def test_medication_statement_active_gives_a_start_and_completed_a_start_and_a_stop():
    [start] = events_of(statement())
    stopped, started = events_of(statement("completed", start="2026-03-02", end="2026-10-01"))  # stops first
    assert (start.type, start.molecule, start.occurred_on, start.event_id) == (
        "treatment_started", "natalizumab", date(2026, 3, 2), "fhir:MedicationStatement/ms-1/1#start")
    assert (stopped.type, stopped.occurred_on, started.type) == ("treatment_stopped", date(2026, 10, 1),
                                                                  "treatment_started")


def test_medication_statement_refusals_name_the_element():
    unknown = statement()
    unknown["medicationCodeableConcept"] = cc("http://www.whocc.no/atc", "N02BE01")
    no_end = statement("completed")
    intended = statement("intended")
    assert refusal(unknown).issues[0].expression == "MedicationStatement.medicationCodeableConcept"
    assert refusal(no_end).issues[0].expression == "MedicationStatement.effectivePeriod.end"
    assert refusal(intended).issues[0].expression == "MedicationStatement.status"


def test_procedure_mri_gives_regions_from_body_sites_and_gadolinium_from_the_contrast_agent_used():
    [mri] = events_of({"resourceType": "Procedure", "id": "p-1", "status": "completed", "subject": SUBJECT,
                       "code": cc("http://snomed.info/sct", "113091000"), "performedDateTime": "2026-02-20",
                       "bodySite": [cc("http://snomed.info/sct", "2748008"), cc("http://snomed.info/sct", "12738006")],
                       "usedCode": [cc("http://www.whocc.no/atc", "V08CA02")]})
    assert (mri.type, mri.regions, mri.gadolinium, mri.event_id) == (
        "mri_performed", ("brain", "spinal"), True, "fhir:Procedure/p-1/-")


def test_procedure_validation_names_the_treatment_by_used_code_and_etp_assessment_its_outcome():
    [validated] = events_of({"resourceType": "Procedure", "id": "p-2", "status": "completed", "subject": SUBJECT,
                             "code": cc(LOCAL, "rcp-validation"), "performedDateTime": "2026-03-02",
                             "usedCode": [cc("http://www.whocc.no/atc", "L04AA23")]})
    [etp] = events_of({"resourceType": "Procedure", "id": "p-3", "status": "completed", "subject": SUBJECT,
                       "code": cc(LOCAL, "etp-assessment"), "performedDateTime": "2026-03-02",
                       "outcome": cc(LOCAL, "etp-referral-needed")})
    assert (validated.type, validated.via, validated.molecule) == ("treatment_validated", "rcp_meeting", "natalizumab")
    assert (etp.type, etp.referral_needed) == ("etp_assessed", True)


def test_imaging_study_of_modality_mr_gives_mri_performed_without_gadolinium():
    [mri] = events_of({"resourceType": "ImagingStudy", "id": "is-1", "status": "available", "subject": SUBJECT,
                       "started": "2026-05-04T09:30:00+02:00",
                       "series": [{"uid": "1.2.3", "modality": {"system": "http://dicom.nema.org/resources/ontology/DCM",
                                                                 "code": "MR"},
                                   "bodySite": {"system": "http://snomed.info/sct", "code": "12738006"}}]})
    assert (mri.type, mri.regions, mri.gadolinium, mri.occurred_on) == ("mri_performed", ("brain",), False,
                                                                       date(2026, 5, 4))


def test_imaging_study_of_another_modality_is_refused():
    refused = refusal({"resourceType": "ImagingStudy", "id": "is-2", "status": "available", "subject": SUBJECT,
                       "started": "2026-05-04", "series": [{"uid": "1.2.4", "modality": {
                           "system": "http://dicom.nema.org/resources/ontology/DCM", "code": "CT"}}]})
    assert refused.issues[0].expression == "ImagingStudy.modality"


def test_encounter_finished_gives_visit_completed_with_setting_and_components_from_its_types():
    [visit] = events_of({"resourceType": "Encounter", "id": "e-1", "status": "finished", "subject": SUBJECT,
                         "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
                         "type": [cc(LOCAL, "crc-visit"), cc(LOCAL, "neurological-evaluation")],
                         "period": {"start": "2026-10-05"}})
    assert (visit.type, visit.setting, visit.components) == ("visit_completed", "crc", ("neurological_evaluation",))


def test_observation_edss_gives_edss_recorded_and_a_score_off_the_scale_names_the_value():
    edss = {"resourceType": "Observation", "id": "o-1", "status": "final", "subject": SUBJECT,
            "code": cc(LOCAL, "edss"), "effectiveDateTime": "2026-10-05", "valueQuantity": {"value": 2.5}}
    [event] = events_of(edss)
    off_scale = copy.deepcopy(edss)
    off_scale["valueQuantity"]["value"] = 2.7
    assert (event.type, event.score) == ("edss_recorded", 2.5)
    assert refusal(off_scale).issues[0].expression == "Observation.valueQuantity.value"


def test_care_team_gives_care_team_assigned_from_staff_directory_identifiers():
    staff = "https://crc-sep-marseille.example/fhir/sid/staff-directory"
    [team] = events_of({"resourceType": "CareTeam", "id": "ct-1", "status": "active", "subject": SUBJECT,
                        "period": {"start": "2026-01-12"},
                        "participant": [{"member": {"identifier": {"system": staff, "value": "N12"}}}],
                        "managingOrganization": [{"identifier": {"system": staff, "value": "C13"}}]})
    assert (team.type, team.neurologist_id, team.centre_id) == ("care_team_assigned", "N12", "C13")


def test_a_resource_whose_patient_has_no_identifier_in_the_configured_system_is_refused():
    refused = refusal({**statement(), "subject": {"reference": "Patient/123"}})
    assert (refused.issues[0].code, refused.issues[0].expression) == ("required", "MedicationStatement.subject")


def test_a_new_version_retracts_the_events_of_the_previous_one_and_the_same_version_again_retracts_nothing():
    v1 = events_of(statement())
    v2 = events_of(statement(version="2", start="2026-03-09"), stored=v1)
    again = events_of(statement(version="2", start="2026-03-09"), stored=v1 + v2)
    retraction, start = v2
    assert isinstance(retraction, EventRetracted) and retraction.retracted_event_id == v1[0].event_id
    assert (start.event_id, start.occurred_on) == ("fhir:MedicationStatement/ms-1/2#start", date(2026, 3, 9))
    assert [e.event_id for e in again] == [start.event_id]


def test_entered_in_error_retracts_every_event_in_force_of_the_resource_and_records_nothing_else():
    recorded = events_of(condition(cc("http://snomed.info/sct", "426373005"), recordedDate="2026-01-12"))
    error = condition(cc("http://snomed.info/sct", "426373005"), recordedDate="2026-01-12",
                      verificationStatus=cc("http://terminology.hl7.org/CodeSystem/condition-ver-status",
                                            "entered-in-error"))
    error["meta"] = {"versionId": "2"}
    [retraction] = events_of(error, stored=recorded)
    assert (retraction.type, retraction.retracted_event_id, retraction.occurred_on) == (
        "event_retracted", "fhir:Condition/dx-1/1", TODAY)


def test_a_bundle_with_an_unmapped_resource_and_an_invalid_date_names_both_elements():
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"resource": {"resourceType": "AllergyIntolerance", "patient": {"reference": "Patient/1"}},
         "request": {"method": "POST", "url": "AllergyIntolerance"}},
        {"resource": {**statement(), "effectivePeriod": {"start": "2026-02-30"}},
         "request": {"method": "PUT", "url": "MedicationStatement/ms-1"}}]}
    with pytest.raises(FhirRefused) as refused:
        read_submission(bundle)
    codes = {(i.code, i.expression) for i in refused.value.issues}
    assert ("not-supported", "Bundle.entry[0].resource") in codes
    assert ("value", "Bundle.entry[1].resource.effectivePeriod.start") in codes
    assert operation_outcome(refused.value.issues)["issue"][0]["expression"] == ["Bundle.entry[0].resource"]


def test_an_unknown_resource_type_on_its_own_endpoint_is_404_not_supported():
    refused = refusal({"resourceType": "AllergyIntolerance"}, "AllergyIntolerance")
    assert (refused.status, refused.issues[0].code) == (404, "not-supported")


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_each_example_bundle_gives_the_plan_of_the_v1_batch_of_the_same_facts(name):
    """Computed here without the stack (tests/api/test_fhir_intake.py does it over HTTP). The
    one difference allowed is the count of events applied: FHIR states a switch as a stop and a
    start on one day (two events) where the batch sends one `treatment_switched`."""
    ruleset = default()
    batch = [in_catalogue(parse_event(e), ruleset) for e in json.loads((EXAMPLES / f"{name}.json").read_text())["events"]]
    bundle = json.loads((EXAMPLES / "fhir" / f"{name}.bundle.json").read_text())
    from_fhir = to_events(read_facts(read_submission(bundle), default_mapping()), {}, TODAY, default()).events
    ref = batch[0].patient_ref
    assert {e.patient_ref for e in from_fhir} == {ref.replace("DEMO-", "DEMO-FHIR-")}
    from_fhir = [e.model_copy(update={"patient_ref": ref}) for e in from_fhir]
    expected = _without_event_ids(compute_plan(ref, batch, TODAY, ruleset))
    assert _without_event_ids(compute_plan(ref, from_fhir, TODAY, ruleset)) == expected
    assert expected["obligations"], "a plan with obligations"


def _without_event_ids(plan) -> dict:
    """The plan but the ids of the events behind it (the sender's, so they differ) and their count."""
    data = plan.model_dump(mode="json", exclude={"events_applied"})
    for item in data["obligations"] + data["anomalies"]:
        item.pop("satisfied_by", None)
        item.pop("event_id", None)
    return data


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_no_name_or_birth_date_of_the_bundle_reaches_an_event(name):
    bundle = json.loads((EXAMPLES / "fhir" / f"{name}.bundle.json").read_text())
    patient = bundle["entry"][0]["resource"]
    events = to_events(read_facts(read_submission(bundle), default_mapping()), {}, TODAY, default()).events
    text = json.dumps([e.model_dump(mode="json") for e in events])
    assert patient["name"][0]["family"] not in text and patient["birthDate"] not in text


def test_every_row_of_the_shipped_mapping_cites_its_source_and_its_molecules_are_in_the_ruleset():
    mapping = load_mapping(DEFAULT_FILE, default())
    rows = [*mapping.conditions, *mapping.medications, *mapping.mri.procedures, *mapping.mri.body_sites,
            *mapping.mri.contrast_agents, *mapping.procedures, *mapping.edss]
    assert all(r.source.startswith(("https://", "local")) for r in rows)
    assert {r.molecule for r in mapping.medications} <= set(default().molecule_codes())


def test_a_mapping_naming_a_molecule_the_ruleset_lacks_is_refused_with_its_line(tmp_path):
    text = DEFAULT_FILE.read_text().replace("molecule: natalizumab,", "molecule: natalizumab_xr,", 1)
    (tmp_path / "m.fhir.yaml").write_text(text)
    with pytest.raises(RulesetError, match="natalizumab_xr, not in ruleset crc-sep-marseille"):
        load_mapping(tmp_path / "m.fhir.yaml", default())


def test_the_bundle_shown_in_docs_fhir_md_gives_the_natalizumab_example_s_plan():
    page = (EXAMPLES.parent / "docs" / "fhir.md").read_text()
    [shown] = re.findall(r"^```json\n(.*?)^```", page, re.MULTILINE | re.DOTALL)
    ruleset = default()
    batch = [in_catalogue(parse_event(e), ruleset)
             for e in json.loads((EXAMPLES / "natalizumab-patient.json").read_text())["events"]]
    from_doc = to_events(read_facts(read_submission(json.loads(shown)), default_mapping()), {}, TODAY, default()).events
    assert {e.patient_ref for e in from_doc} == {"DEMO-FHIR-0001"}
    from_doc = [e.model_copy(update={"patient_ref": "DEMO-0001"}) for e in from_doc]
    expected = _without_event_ids(compute_plan("DEMO-0001", batch, TODAY, ruleset))
    assert _without_event_ids(compute_plan("DEMO-0001", from_doc, TODAY, ruleset)) == expected


def test_the_shipped_mapping_fits_the_example_ruleset_too_whose_id_differs():
    from rulesets import EXAMPLES as RULESET_EXAMPLES
    from rulesets import load

    assert load_mapping(DEFAULT_FILE, load(RULESET_EXAMPLES / "current-therapies.yaml")).medications


def administration(day: str, number: int) -> dict:
    return {"resourceType": "MedicationAdministration", "id": f"ma-{number}", "status": "completed",
            "subject": SUBJECT, "medicationCodeableConcept": cc("http://www.whocc.no/atc", "L04AG03"),
            "effectiveDateTime": day}


def test_a_series_of_administrations_starts_the_treatment_once_on_the_first_infusion():
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": administration(day, n)} for n, day in enumerate(["2026-04-27", "2026-03-02", "2026-03-30"])]}
    result = to_events(read_facts(read_submission(bundle), default_mapping()), {}, TODAY, default())
    [start] = result.events
    assert (start.type, start.molecule, start.occurred_on, start.event_id) == (
        "treatment_started", "natalizumab", date(2026, 3, 2), "fhir:MedicationAdministration/ma-1/-#start")
    assert result.restated == {"fhir:MedicationAdministration/ma-0/-#start", "fhir:MedicationAdministration/ma-2/-#start"}


def test_an_administration_or_a_renewed_prescription_of_the_treatment_in_force_records_nothing():
    stored = events_of(statement())
    renewal = {"resourceType": "MedicationRequest", "id": "mr-1", "status": "active", "intent": "order",
               "subject": SUBJECT, "medicationCodeableConcept": cc("http://www.whocc.no/atc", "L04AG03"),
               "authoredOn": "2026-09-01"}
    assert events_of(administration("2026-04-01", 1), stored=stored) == []
    assert events_of(renewal, stored=stored) == []
    [start] = events_of(renewal)
    assert (start.type, start.occurred_on) == ("treatment_started", date(2026, 9, 1))


def test_a_prescription_that_states_no_act_yet_is_refused_naming_its_status():
    draft = {"resourceType": "MedicationRequest", "id": "mr-2", "status": "draft", "intent": "order",
             "subject": SUBJECT, "medicationCodeableConcept": cc("http://www.whocc.no/atc", "L04AG03"),
             "authoredOn": "2026-09-01"}
    assert refusal(draft).issues[0].expression == "MedicationRequest.status"
