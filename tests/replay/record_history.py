"""Record a pathway history for the replay tests.

    python -m tests.replay.record_history tests/replay/histories/NAME.json

Runs a natalizumab patient for 13 virtual months (events, validations, reminders, an
overdue escalation) on a throw-away dev server and PostgreSQL, and writes the history as
JSON (payloads encrypted with the tests' key, as production's are), with the patient's stored
events beside it (`NAME.events.json`: a run holds none).
Histories are recorded once and kept: they stand for pathways already running when the
code or the rules change. Until the first release the workflow may change freely: record
them again (docs/versioning.md).
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from domain.calendar import add_days, add_months
from store.db import create_pool
from store.event_store import EventStore
from tests.integration.scenario import Scenario
from tests.integration.stack import recording_stack
from tests.support.postgres import fresh_database
from tests.support.temporal import time_skipping_environment

PATIENT = "REPLAY-NATALIZUMAB-1"


def events_file(history: Path) -> Path:
    return history.with_suffix(".events.json")


async def record(out: Path) -> None:
    env = await time_skipping_environment()  # the tests' key: payloads encrypted, as production's are
    async with env, fresh_database() as dsn:
        pool = await create_pool(dsn)
        async with recording_stack(env.client, pool) as running:
            s = Scenario(env, running, PATIENT)
            t0 = await s.today()
            await s.record_all([
                ("diagnosis_recorded", {"diagnosis": "relapsing_remitting"}),
                ("care_team_assigned", {"neurologist_id": "N12", "centre_id": "C13"}),
                ("mri_performed", {"regions": ["brain", "spinal"]}),
                ("treatment_started", {"molecule": "natalizumab"}),
                ("treatment_validated", {"via": "rcp_meeting", "molecule": "natalizumab"}),
                ("etp_assessed", {"referral_needed": True}),
            ])
            await s.advance_to(add_days(t0, 10))
            await s.record("etp_referral_proposed")
            first_due = add_months(t0, 6)
            await s.advance_to(add_days(first_due, 31))
            await s.record("treatment_validated", via="crc_visit", molecule="natalizumab")
            await s.advance_to(add_months(t0, 13))
            history = await s.handle.fetch_history()
        events = await EventStore(pool).for_patient(PATIENT)
        await pool.close()
    out.write_text(history.to_json())
    events_file(out).write_text(json.dumps([e.model_dump(mode="json") for e in events], indent=1) + "\n")
    print(f"wrote {out} ({len(history.events)} events) and {events_file(out)} ({len(events)} clinical events)")


if __name__ == "__main__":
    asyncio.run(record(Path(sys.argv[1])))
