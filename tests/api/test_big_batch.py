"""1,000 events of 100 patients in one request: all recorded and visible in the plans;
the same batch again changes nothing."""

from __future__ import annotations

import asyncio
import sys
import time
import uuid

from domain.calendar import add_days
from tests.support.api import event, today
from tests.support.waiting import eventually

PATIENTS, EVENTS_EACH = 100, 10


def patient_events(ref: str, centre: str) -> list[dict]:
    day = lambda n: add_days(today(), -n)  # noqa: E731
    return [
        event(ref, "diagnosis_recorded", on=day(400), diagnosis="relapsing_remitting"),
        event(ref, "care_team_assigned", on=day(400), neurologist_id="N-BIG", centre_id=centre),
        event(ref, "mri_performed", on=day(200), regions=["brain", "spinal"]),
        event(ref, "treatment_started", on=day(180), molecule="natalizumab"),
        event(ref, "etp_assessed", on=day(180), referral_needed=False),
        event(ref, "treatment_validated", on=day(180), via="crc_visit", molecule="natalizumab"),
        event(ref, "edss_recorded", on=day(100), score=3.0),
        event(ref, "mri_performed", on=day(30), regions=["brain"]),
        event(ref, "treatment_validated", on=day(10), via="rcp_meeting", molecule="natalizumab"),
        event(ref, "crc_informed", on=day(5), via="letter"),
    ]


async def plans(api, refs: list[str]) -> list[dict]:
    responses = await asyncio.gather(*(api.get(f"/v1/patients/{ref}/plan") for ref in refs))
    assert all(r.status_code == 200 for r in responses)
    return [r.json() for r in responses]


async def test_a_batch_of_1000_events_for_100_patients_is_recorded_whole_and_sending_it_again_changes_nothing(api):
    centre = f"C{uuid.uuid4().hex[:10]}"
    refs = [f"BIG{uuid.uuid4().hex[:10]}" for _ in range(PATIENTS)]
    batch = {"events": [e for ref in refs for e in patient_events(ref, centre)]}
    assert len(batch["events"]) == PATIENTS * EVENTS_EACH

    started = time.perf_counter()
    first = await api.post(batch)
    first_s = time.perf_counter() - started

    assert first.status_code == 201, first.text[:2000]
    assert first.json()["accepted"] == 1000 and first.json()["duplicates"] == 0
    assert [s["patient_ref"] for s in first.json()["patients"]] == refs
    recorded = await plans(api, refs)
    assert all(p["events_applied"] == EVENTS_EACH and p["stage"] == "risk_therapy" for p in recorded)

    started = time.perf_counter()
    at_once = await api.post(batch)  # before the event store has caught up
    at_once_s = time.perf_counter() - started
    assert at_once.status_code in (200, 201), at_once.text[:2000]
    assert all(s["events_recorded"] == EVENTS_EACH for s in at_once.json()["patients"])
    assert await plans(api, refs) == recorded

    await eventually(lambda: _stored_count(api, refs), lambda n: n == 1000, timeout_s=60,
                     what="the 1000 events in the event store")
    started = time.perf_counter()
    later = await api.post(batch)
    later_s = time.perf_counter() - started

    assert later.status_code == 200, later.text[:2000]
    assert later.json()["accepted"] == 0 and later.json()["duplicates"] == 1000
    assert await plans(api, refs) == recorded
    print(f"\n1000-event batch: first post {first_s:.2f} s, resent at once {at_once_s:.2f} s, "
          f"resent after storage {later_s:.2f} s", file=sys.stderr)


async def _stored_count(api, refs: list[str]) -> int:
    async with api.pool.acquire() as conn:
        return await conn.fetchval("SELECT count(*) FROM events WHERE patient_ref = ANY($1::text[])", refs)
