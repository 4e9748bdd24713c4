"""Rulesets per centre through the HTTP API on the real stack (issue 13): centre C13 runs the
example of today's therapies, C06 the shipped default, C972 its own (OFSEP minimum MRI policy,
Martinique time). The API and the worker are configured alike."""

from __future__ import annotations

import uuid
from contextlib import asynccontextmanager
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from domain.calendar import add_months
from rulesets import DEFAULT_FILE, EXAMPLES
from rulesets import registry as load_registry
from tests.integration.stack import recording_stack
from tests.support.api import api_on, event
from tests.support.events import today

THERAPIES = EXAMPLES / "current-therapies.yaml"


@pytest.fixture(scope="module")
def antilles(tmp_path_factory) -> Path:
    """A centre following the OFSEP minimum MRI policy, in Martinique, reminders at 07:30."""
    path = tmp_path_factory.mktemp("rulesets") / "antilles.yaml"
    path.write_text(DEFAULT_FILE.read_text()
                    .replace("id: crc-sep-marseille", "id: crc-sep-antilles")
                    .replace("mri_policy: crc_marseille", "mri_policy: ofsep_minimum")
                    .replace('reminder_time: "08:00"', 'reminder_time: "07:30"')
                    .replace("timezone: Europe/Paris", "timezone: America/Martinique"))
    return path


@asynccontextmanager
async def centres_stack(env, pool, antilles: Path):
    mapping = {"C13": THERAPIES, "C972": antilles}
    registry = load_registry(None, mapping)
    async with recording_stack(env.client, pool, rulesets=registry) as running:
        setting = ",".join(f"{c}={p}" for c, p in mapping.items())
        async with api_on(running, pool, centre_rulesets=setting) as api:
            yield api


def patient(centre: str, molecule: str, start: date) -> tuple[str, list[dict]]:
    ref = f"R{uuid.uuid4().hex[:10]}"
    return ref, [event(ref, "diagnosis_recorded", on=start - timedelta(days=30), diagnosis="relapsing_remitting"),
                 event(ref, "care_team_assigned", on=start - timedelta(days=30), neurologist_id="N12", centre_id=centre),
                 event(ref, "treatment_started", on=start, molecule=molecule)]


async def test_an_ofatumumab_start_is_taken_for_a_centre_on_the_example_and_refused_on_the_default(env, pool, antilles):
    start = today() - timedelta(days=10)
    async with centres_stack(env, pool, antilles) as api:
        c13, c13_events = patient("C13", "Kesimpta", start)
        c06, c06_events = patient("C06", "ofatumumab", start)
        taken = await api.post({"events": c13_events})
        refused = await api.post({"events": c06_events})
        plan = (await api.get(f"/v1/patients/{c13}/plan")).json()

    assert taken.status_code == 201, taken.text
    assert (plan["molecule"], plan["stage"]) == ("ofatumumab", "risk_therapy")
    assert plan["ruleset_version"] == "current-therapies-example/2026-11.1" and plan["ruleset_hash"]
    assert [o["due_on"] for o in plan["obligations"] if o["rule"] == "R15"] == [start.isoformat()]
    assert refused.status_code == 422
    [error] = refused.json()["errors"]
    assert (error["index"], error["field"]) == (2, "molecule")
    assert "unknown molecule 'ofatumumab' in ruleset crc-sep-marseille/2026-11.1" in error["message"]
    assert "rulesets/*.yaml" in error["message"] and "natalizumab" in error["message"]


async def test_monitoring_rows_follow_the_centre(env, pool, antilles):
    start = today() - timedelta(days=400)
    async with centres_stack(env, pool, antilles) as api:
        c13, natalizumab = patient("C13", "Tysabri", start)
        c06, default_natalizumab = patient("C06", "natalizumab", start)
        lemtrada, alemtuzumab = patient("C13", "alemtuzumab", start)
        stop = start + timedelta(days=5)
        alemtuzumab.append(event(lemtrada, "treatment_stopped", on=stop, molecule="Lemtrada"))
        for batch in (natalizumab, default_natalizumab, alemtuzumab):
            assert (await api.post({"events": batch})).status_code == 201
        plans = {ref: (await api.get(f"/v1/patients/{ref}/plan")).json() for ref in (c13, c06, lemtrada)}

    labs = {ref: [(o["rule"], o["panel"], o["due_on"]) for o in plan["obligations"] if o["kind"] == "lab_test"]
            for ref, plan in plans.items()}
    # No serology done yet: the first one, due 6 months after the start, is open (overdue).
    assert labs[c13] == [("L1", "anti_jcv_serology", add_months(start, 6).isoformat())]
    assert labs[c06] == [], "a centre on the default ruleset sees no laboratory monitoring"
    assert {rule for rule, _, _ in labs[lemtrada]} == {"L3", "L4", "L5", "L6"}
    assert ("L3", "blood_count_differential", add_months(stop, 1).isoformat()) in labs[lemtrada]


async def test_two_centres_with_other_mri_policies_and_time_zones_get_their_own_plans_and_hours(env, pool, antilles):
    start = today() - timedelta(days=3)
    async with centres_stack(env, pool, antilles) as api:
        marseille, marseille_events = patient("C06", "teriflunomide", start)
        antilles_ref, antilles_events = patient("C972", "teriflunomide", start)
        for batch in (marseille_events, antilles_events):
            assert (await api.post({"events": batch})).status_code == 201
        plans = {ref: (await api.get(f"/v1/patients/{ref}/plan")).json() for ref in (marseille, antilles_ref)}

    def mri_rules(plan: dict) -> set[str]:
        return {o["rule"] for o in plan["obligations"] if o["kind"] == "mri" and o["rule"] in ("R12", "R13")}

    assert mri_rules(plans[marseille]) == {"R12"} and mri_rules(plans[antilles_ref]) == {"R13"}
    assert plans[antilles_ref]["ruleset_version"] == "crc-sep-antilles/2026-11.1"
    for ref, zone, hour in ((marseille, "Europe/Paris", time(8, 0)), (antilles_ref, "America/Martinique", time(7, 30))):
        rungs = [datetime.fromisoformat(r["at"]) for o in plans[ref]["obligations"] for r in o["reminders"]]
        assert rungs and {r.astimezone(ZoneInfo(zone)).time() for r in rungs} == {hour}
