"""The FHIR R4 intake on the real stack (Temporal dev server, worker, PostgreSQL, the API over
HTTP), posted with PyPI's `fhirclient` (its R4 models parse each fixture first, a second
library's check that they are R4): each example Bundle gives the plan of the `/v1/events`
batch of the same facts, a new `meta.versionId` moves a start, `entered-in-error` removes a
diagnosis, refusals are OperationOutcomes naming the element with nothing stored, and
`/fhir/r4/metadata` is a CapabilityStatement."""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import uuid
from pathlib import Path

import pytest
import requests
import structlog
from fhir.resources.R4B.capabilitystatement import CapabilityStatement as R4BCapabilityStatement
from fhirclient.models.bundle import Bundle as ClientBundle
from fhirclient.models.capabilitystatement import CapabilityStatement as ClientCapabilityStatement
from fhirclient.server import FHIRServer

from fhir_r4.parse import MAPPED_TYPES
from store.event_store import EventStore
from tests.support.api import Api
from tests.support.waiting import eventually

STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NAMES = ["natalizumab-patient", "cis-patient", "switch-fingolimod-ocrelizumab-patient", "alemtuzumab-stop-patient"]
PATIENT_SYSTEM = "https://crc-sep-marseille.example/fhir/sid/pathway-ref"
SNOMED, ATC = "http://snomed.info/sct", "http://www.whocc.no/atc"


def fhir_server(api: Api) -> FHIRServer:
    """fhirclient's server object on our base, with the integration token on every request."""
    server = FHIRServer(None, base_uri=f"{api.url}/fhir/r4")
    server.session.headers.update(api.integration)
    return server


async def post(api: Api, path: str, body: dict) -> requests.Response:
    """POST with fhirclient (synchronous: in a thread, the API answers in this loop); a 4xx
    comes back as the response, not as fhirclient's exception."""
    def call() -> requests.Response:
        try:
            return fhir_server(api).post_json(path, body)
        except requests.HTTPError as error:
            return error.response
        except Exception as error:  # fhirclient's own 401/403/404 exceptions carry the response
            return error.response  # type: ignore[attr-defined]

    return await asyncio.to_thread(call)


def bundle_for(name: str, ref: str) -> dict:
    """The example Bundle for patient `ref`, its resource ids made the test's own (an event id
    derives from the resource's type, id and version, unique across the event store)."""
    text = (EXAMPLES / "fhir" / f"{name}.bundle.json").read_text()
    bundle = json.loads(text.replace('"demo-000', f'"{ref}-demo-000').replace("/demo-000", f"/{ref}-demo-000")
                        .replace(":demo-000", f":{ref}-demo-000"))
    for entry in bundle["entry"]:
        for identifier in entry["resource"].get("identifier", []):
            if identifier["system"] == PATIENT_SYSTEM:
                identifier["value"] = ref
    return ClientBundle(bundle).as_json()  # fhirclient's R4 models refuse what R4 does not allow


def batch_for(name: str, ref: str) -> dict:
    events = json.loads((EXAMPLES / f"{name}.json").read_text())["events"]
    return {"events": [{**e, "patient_ref": ref, "event_id": f"{ref}-{e['event_id']}"} for e in events]}


async def comparable_plan(api: Api, ref: str) -> dict:
    """The plan but what the sender chose: its patient_ref (and the reminder ids derived from it),
    its event ids and how many it sent (a switch is one `treatment_switched` in a batch, a stop
    and a start in FHIR)."""
    response = await api.get(f"/v1/patients/{ref}/plan")
    assert response.status_code == 200, response.text
    plan = json.loads(response.text.replace(ref, "PATIENT"))
    plan.pop("events_applied")
    for item in plan["obligations"] + plan["anomalies"]:
        item.pop("satisfied_by", None)
        item.pop("event_id", None)
        for reminder in item.get("reminders", []):
            reminder.pop("reminder_id")
    return plan


def resource(**fields) -> dict:
    return {"meta": {"versionId": "1"}, "subject": {"identifier": {"system": PATIENT_SYSTEM, "value": fields.pop("ref")}},
            **fields}


def statement(ref: str, version: str, start: str) -> dict:
    return resource(ref=ref, resourceType="MedicationStatement", id=f"{ref}-ms", meta={"versionId": version},
                    status="active", medicationCodeableConcept={"coding": [{"system": ATC, "code": "L04AG03"}]},
                    effectivePeriod={"start": start})


def diagnosis(ref: str, version: str = "1", status: str = "confirmed") -> dict:
    return resource(ref=ref, resourceType="Condition", id=f"{ref}-dx", meta={"versionId": version},
                    verificationStatus={"coding": [{
                        "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": status}]},
                    code={"coding": [{"system": SNOMED, "code": "426373005"}]}, recordedDate="2026-01-12")


@pytest.mark.parametrize("name", NAMES)
async def test_each_example_bundle_gives_the_plan_of_the_v1_batch_of_the_same_facts(api, name):
    tag = uuid.uuid4().hex[:8]
    batch_ref, fhir_ref = f"V1-{tag}", f"FHIR-{tag}"
    assert (await api.post(batch_for(name, batch_ref))).status_code == 201
    answer = await post(api, "", bundle_for(name, fhir_ref))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["type"] == "transaction-response"
    assert [e["response"]["status"] for e in body["entry"][1:]] == ["201 Created"] * (len(body["entry"]) - 1)
    assert await comparable_plan(api, fhir_ref) == await comparable_plan(api, batch_ref)


async def test_the_same_bundle_sent_again_is_a_duplicate_and_changes_nothing(api):
    ref = f"FHIR-{uuid.uuid4().hex[:8]}"
    bundle = bundle_for("natalizumab-patient", ref)
    first, again = await post(api, "", bundle), await post(api, "", bundle)
    assert (first.status_code, again.status_code) == (200, 200)
    assert {e["response"]["status"] for e in again.json()["entry"]} == {"200 OK"}
    assert len(await EventStore(api.pool).for_patient(ref)) == 7


async def test_a_new_version_of_a_medication_statement_moves_the_start_and_the_plan_follows(api):
    ref = f"FHIR-{uuid.uuid4().hex[:8]}"
    assert (await post(api, "Condition", diagnosis(ref))).status_code == 201
    first = await post(api, "MedicationStatement", statement(ref, "1", "2026-03-02"))
    assert (first.status_code, first.headers["Location"]) == (201, f"MedicationStatement/{ref}-ms/_history/1")
    before = {o["id"] for o in (await api.get(f"/v1/patients/{ref}/plan")).json()["obligations"]}
    moved = await post(api, "MedicationStatement", statement(ref, "2", "2026-04-01"))
    again = await post(api, "MedicationStatement", statement(ref, "2", "2026-04-01"))
    plan = (await api.get(f"/v1/patients/{ref}/plan")).json()
    assert (moved.status_code, again.status_code) == (201, 200)
    assert "treatment@2026-03-02/R15/treatment_validation/1" in before
    validations = [o for o in plan["obligations"] if o["rule"] == "R15"]
    assert [(o["id"], o["due_on"]) for o in validations] == [
        ("treatment@2026-04-01/R15/treatment_validation/1", "2026-04-01")]
    assert [a["code"] for a in plan["anomalies"]] == ["no_care_team"] and plan["molecule"] == "natalizumab"
    events = [r["event"] for r in (await api.get(f"/v1/patients/{ref}/events")).json()["events"]]
    assert [e["type"] for e in events] == ["diagnosis_recorded", "treatment_started", "event_retracted",
                                          "treatment_started"]
    assert events[2]["retracted_event_id"] == f"fhir:MedicationStatement/{ref}-ms/1#start"


async def test_entered_in_error_on_a_condition_removes_the_diagnosis(api):
    ref = f"FHIR-{uuid.uuid4().hex[:8]}"
    assert (await post(api, "Condition", diagnosis(ref))).status_code == 201
    assert (await api.get(f"/v1/patients/{ref}/plan")).json()["stage"] == "untreated_other"
    withdrawn = await post(api, "Condition", diagnosis(ref, "2", "entered-in-error"))
    plan = (await api.get(f"/v1/patients/{ref}/plan")).json()
    assert withdrawn.status_code == 201
    assert (plan["stage"], plan["obligations"]) == (None, [])


async def test_a_bundle_with_an_unmapped_resource_is_refused_naming_it_and_nothing_is_stored(api):
    ref = f"FHIR-{uuid.uuid4().hex[:8]}"
    bundle = bundle_for("natalizumab-patient", ref)
    bundle["entry"].append({"resource": {"resourceType": "AllergyIntolerance", "id": "al-1",
                                         "patient": {"reference": "urn:uuid:PATIENT"}},
                            "request": {"method": "PUT", "url": "AllergyIntolerance/al-1"}})
    answer = await post(api, "", bundle)
    issue = answer.json()["issue"][0]
    assert (answer.status_code, answer.headers["content-type"]) == (422, "application/fhir+json")
    assert (issue["code"], issue["expression"]) == ("not-supported", [f"Bundle.entry[{len(bundle['entry']) - 1}].resource"])
    assert await EventStore(api.pool).for_patient(ref) == []


@pytest.mark.parametrize(("path", "change", "status", "expression"), [
    ("MedicationStatement", {"effectivePeriod": {"start": "2026-02-30"}}, 422,
     "MedicationStatement.effectivePeriod.start"),
    ("MedicationStatement", {"medicationCodeableConcept": {"coding": [{"system": ATC, "code": "N02BE01"}]}}, 422,
     "MedicationStatement.medicationCodeableConcept"),
    ("MedicationStatement", {"effectivePeriod": {"start": "2099-01-01"}}, 422,
     "MedicationStatement.effectivePeriod.start"),
    ("MedicationStatement", {"dosage": "daily"}, 422, "MedicationStatement.dosage"),
    ("AllergyIntolerance", {"resourceType": "AllergyIntolerance"}, 404, "AllergyIntolerance"),
])
async def test_an_invalid_or_unmapped_resource_gets_a_4xx_operation_outcome_naming_the_element_and_nothing_is_stored(
        api, path, change, status, expression):
    ref = f"FHIR-{uuid.uuid4().hex[:8]}"
    body = {**copy.deepcopy(statement(ref, "1", "2026-03-02")), **change}
    answer = await post(api, path, body)
    outcome = answer.json()
    assert (answer.status_code, outcome["resourceType"]) == (status, "OperationOutcome")
    assert expression in outcome["issue"][0]["expression"]
    assert await EventStore(api.pool).for_patient(ref) == []


async def test_a_staff_token_may_not_post_fhir(api):
    answer = await api.http.post("/fhir/r4/Condition", json=diagnosis("X-1"), headers=api.staff)
    assert answer.status_code == 403


async def test_metadata_is_a_capability_statement_listing_exactly_the_resources_accepted(api):
    answer = await api.http.get("/fhir/r4/metadata")
    statement_json = answer.json()
    parsed = R4BCapabilityStatement.model_validate(statement_json)
    ClientCapabilityStatement(statement_json)  # fhirclient's R4 model: raises on what R4 refuses
    assert (answer.status_code, answer.headers["content-type"]) == (200, "application/fhir+json")
    assert (parsed.fhirVersion, parsed.kind, parsed.status) == ("4.0.1", "instance", "active")
    assert sorted(r.type for r in parsed.rest[0].resource) == sorted(MAPPED_TYPES)



async def test_no_name_birth_date_ins_or_health_data_of_a_bundle_is_logged_or_stored(api, caplog):
    ref = f"FHIR-{uuid.uuid4().hex[:8]}"
    bundle = bundle_for("natalizumab-patient", ref)
    patient = bundle["entry"][0]["resource"]
    ins = "2900412345678"  # an INS-NIR shaped number, in FR Core's INS system
    patient["identifier"].append({"system": "urn:oid:1.2.250.1.213.1.4.8", "value": ins})
    private = [patient["name"][0]["family"], patient["name"][0]["given"][0], patient["birthDate"], ins]
    health = ["natalizumab", "L04AG03", "426373005", "relapsing_remitting"]
    caplog.set_level(logging.DEBUG)
    with structlog.testing.capture_logs(processors=[structlog.contextvars.merge_contextvars]) as captured:
        assert (await post(api, "", bundle)).status_code == 200
        await eventually(lambda: api.get(f"/v1/patients/{ref}/plan"), lambda r: r.status_code == 200,
                         what="the plan")
    lines = [json.dumps(entry, default=str) for entry in captured] + [
        r.getMessage() + " " + json.dumps({k: v for k, v in vars(r).items() if k not in STANDARD}, default=str)
        for r in caplog.records]
    stored = json.dumps([e.model_dump(mode="json") for e in await EventStore(api.pool).for_patient(ref)])
    assert any(ref in line for line in lines), "the request was logged"
    assert [w for w in private + health if any(w in line for line in lines)] == []
    assert [w for w in private if w in stored] == []


async def test_a_transaction_is_all_or_nothing_per_patient_and_a_version_resent_with_other_content_is_409(api):
    tag = uuid.uuid4().hex[:8]
    kept, refused = f"FHIR-A-{tag}", f"FHIR-B-{tag}"
    assert (await post(api, "Condition", diagnosis(refused))).status_code == 201
    changed = {**diagnosis(refused), "recordedDate": "2026-02-01"}  # version 1 again, other content
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"resource": diagnosis(kept), "request": {"method": "PUT", "url": f"Condition/{kept}-dx"}},
        {"resource": changed, "request": {"method": "PUT", "url": f"Condition/{refused}-dx"}},
        {"resource": statement(refused, "1", "2026-03-02"), "request": {"method": "PUT", "url": "MedicationStatement/x"}}]}
    answer = await post(api, "", bundle)
    issues = answer.json()["issue"]
    assert answer.status_code == 409
    assert (issues[0]["code"], issues[0]["expression"]) == ("conflict", ["Bundle.entry[1].resource"])
    assert issues[-1]["severity"] == "information"
    assert [e.type for e in await EventStore(api.pool).for_patient(kept)] == ["diagnosis_recorded"]
    assert [e.type for e in await EventStore(api.pool).for_patient(refused)] == ["diagnosis_recorded"]


async def test_an_update_with_fhirclient_records_a_new_version_and_an_id_other_than_the_url_s_is_400(api):
    from fhirclient.models.medicationstatement import MedicationStatement

    ref = f"FHIR-{uuid.uuid4().hex[:8]}"
    first = MedicationStatement(statement(ref, "1", "2026-03-02"))
    second = MedicationStatement(statement(ref, "2", "2026-03-16"))
    server = fhir_server(api)
    await asyncio.to_thread(first.update, server)  # PUT MedicationStatement/{id}; raises on a 4xx
    await asyncio.to_thread(second.update, server)
    wrong = await asyncio.to_thread(lambda: server.session.put(
        f"{api.url}/fhir/r4/MedicationStatement/other-id", json=statement(ref, "3", "2026-03-20")))
    starts = [e for e in await EventStore(api.pool).for_patient(ref) if e.type == "treatment_started"]
    assert [(e.event_id.rsplit("/", 1)[-1], e.occurred_on.isoformat()) for e in starts] == [
        ("1#start", "2026-03-02"), ("2#start", "2026-03-16")]
    assert (wrong.status_code, wrong.json()["issue"][0]["expression"]) == (400, ["MedicationStatement.id"])


async def test_a_series_of_infusions_starts_the_treatment_once_and_says_so_for_the_others(api):
    ref = f"FHIR-{uuid.uuid4().hex[:8]}"
    infusions = [resource(ref=ref, resourceType="MedicationAdministration", id=f"{ref}-ma-{n}", status="completed",
                          medicationCodeableConcept={"coding": [{"system": ATC, "code": "L04AG03"}]},
                          effectiveDateTime=day) for n, day in enumerate(["2026-03-02", "2026-03-30", "2026-04-27"])]
    bundle = {"resourceType": "Bundle", "type": "batch", "entry": [
        {"resource": r, "request": {"method": "PUT", "url": f"MedicationAdministration/{r['id']}"}} for r in infusions]}
    answer = await post(api, "", bundle)
    entries = answer.json()["entry"]
    starts = [e for e in await EventStore(api.pool).for_patient(ref) if e.type == "treatment_started"]
    assert (answer.status_code, answer.json()["type"]) == (200, "batch-response")
    assert [e["response"]["status"] for e in entries] == ["201 Created", "200 OK", "200 OK"]
    assert "no new start" in entries[1]["response"]["outcome"]["issue"][0]["diagnostics"]
    assert [(s.molecule, s.occurred_on.isoformat()) for s in starts] == [("natalizumab", "2026-03-02")]
