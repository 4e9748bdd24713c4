"""Record a pathway history for the replay tests.

    python -m tests.replay.record_history tests/replay/histories/NAME.json

Runs a natalizumab patient for 13 virtual months (events, validations, reminders,
an overdue escalation) on a throw-away dev server and writes the history as JSON.
Histories are recorded once and kept: they stand for pathways already running in
production when the code or the rules change.
"""

from __future__ import annotations

import asyncio
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import TimeSkippingConfig, WorkflowEnvironment

from activities.persistence import PersistenceActivities
from domain.calendar import add_days, add_months
from pathway_cli.temporal_server import TIME_SKIPPING_FLAGS, find_temporal_binary
from store.db import create_pool
from store.event_store import EventStore
from store.read_model import ReadModel
from tests.integration.conftest import RecordingNotifier, Running
from tests.integration.scenario import Scenario
from tests.pg_support import fresh_database
from worker import build_worker
from workflows import search_attributes


async def record(out: Path) -> None:
    env = await WorkflowEnvironment.start_time_skipping_v2(
        ts_config=TimeSkippingConfig(enabled=False), dev_server_existing_path=find_temporal_binary(),
        dev_server_extra_args=[*TIME_SKIPPING_FLAGS, "--headless"], data_converter=pydantic_data_converter,
        search_attributes=search_attributes.ALL,
    )
    async with env, fresh_database() as dsn:
        task_queue = f"record-{uuid.uuid4()}"
        running = Running(env.client, task_queue, RecordingNotifier())
        pool = await create_pool(dsn)
        persistence = PersistenceActivities(EventStore(pool), ReadModel(pool))
        with ThreadPoolExecutor(max_workers=4) as executor:
            async with build_worker(env.client, task_queue, running.notifier, persistence, executor):
                s = Scenario(env, running, "REPLAY-NATALIZUMAB-1")
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
        await pool.close()
    out.write_text(history.to_json())
    print(f"wrote {out} ({len(history.events)} events)")


if __name__ == "__main__":
    asyncio.run(record(Path(sys.argv[1])))
