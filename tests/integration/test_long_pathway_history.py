"""A 30-year pathway of 600 events keeps each run's history bounded (issue 16): the workflow
continues as new when the server suggests it, so no run's history grows with the patient's
past. Bounded, not fast: the plan's time at 600 events is `bench.domain`'s to measure.

Its own server suggests continue-as-new after `THRESHOLD` history events (production keeps
the server's default), so that a few hundred syncs cross several run boundaries."""

from __future__ import annotations

import pytest_asyncio

from bench.histories import patient_history
from bench.history_cost import fetch_runs
from contracts.pathway import workflow_id_for
from domain.events import parse_event
from store.event_store import EventStore
from tests.integration.scenario import Scenario
from tests.support.temporal import SUGGEST_CONTINUE_AS_NEW_AFTER, time_skipping_environment

THRESHOLD = 200
EVENTS = 600
YEARS = 30
PER_SYNC = 5
"""Events per request: a centre's feed sending a few at a time, 120 syncs in all."""
SLACK = 60
"""History events a run may take past the suggestion: the run checks it once per loop, after
the settle under way, and hands over only once no sync is pending. One sync costs about 7
events (workflow task, update accepted and completed, the settle's marker, an upsert, the timer
moved); measured: at most 11 past the threshold with syncs one at a time. 60 leaves room for
a few syncs and a reminder's activity arriving meanwhile."""
LARGEST_EVENT = 16 * 1024
"""Bytes: no history event carries the patient's past (the settle's marker holds a bounded
digest, about 3 KiB at 600 events), so a run's bytes are bounded too."""


@pytest_asyncio.fixture(scope="module")
async def env():
    environment = await time_skipping_environment("--dynamic-config-value",
                                                  f"{SUGGEST_CONTINUE_AS_NEW_AFTER}={THRESHOLD}")
    async with environment:
        yield environment


async def test_a_thirty_year_pathway_of_600_events_keeps_every_run_history_bounded(env, pathway_worker, patient_ref):
    s = Scenario(env, pathway_worker, patient_ref)
    history = [parse_event(e) for e in patient_history(patient_ref, EVENTS, await s.today(), seed=16, years=YEARS)]
    assert len(history) == EVENTS and (history[-1].occurred_on - history[0].occurred_on).days > 29 * 365

    for i in range(0, EVENTS, PER_SYNC):
        summary = await s.record_events(history[i:i + PER_SYNC])
    await s.settle()

    assert summary.events_recorded == EVENTS and summary.delivery == "settled"
    assert len(await EventStore(s.running.pool).for_patient(patient_ref)) == EVENTS
    runs = await fetch_runs(s.client, workflow_id_for(patient_ref))
    lengths = [len(run) for run in runs]
    assert len(runs) >= 3, f"the pathway never continued as new: run lengths {lengths}"
    assert max(lengths) <= THRESHOLD + SLACK, f"a run's history outgrew the continue-as-new bound: {lengths}"
    largest = max(e.ByteSize() for run in runs for e in run)
    assert largest < LARGEST_EVENT, f"a history event of {largest} bytes"
    assert sum(lengths) > 2 * (THRESHOLD + SLACK), "the whole history would have fitted one run: proves nothing"
