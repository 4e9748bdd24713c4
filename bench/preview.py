"""Preview: `pathway rules preview` of the example ruleset (today's therapies) for a centre
of 10,000 stored patients (20 events each, 5 years), beside the baseline of the plain plan
computation of the same patients (read from the store, one plan each under the ruleset in
force). The preview computes two plans per patient, compares them and the next day's
reminders. Issue 13's target: under a minute on the 2-core machine.

No Temporal: the preview reads the event store only. The patients are written straight
into a fresh database (as an import would leave them), not through the intake.

    python -m bench.preview [--quick] [--patients N]
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime
from typing import Any

from bench.common import Report, Row
from bench.common import main as bench_main
from bench.histories import patient_history
from domain.history import centre_of
from domain.planner import compute_plan, local_date
from domain.ruleset import single
from rulesets import EXAMPLES, default, load
from service.preview import PAGE, preview
from store.db import create_pool
from store.event_store import EventStore
from tests.support.postgres import fresh_database

NAME = "preview"
EVENTS_EACH = 20
CENTRE = "C13"
SEED = 13


async def seed(pool, patients: int, today) -> int:
    """`patients` patients of centre C13 with their events and pathway rows; returns the events."""
    total = 0
    for start in range(0, patients, 1000):
        rows, pathways = [], []
        for n in range(start, min(start + 1000, patients)):
            ref = f"PV{n:06d}"
            events = patient_history(ref, EVENTS_EACH, today, seed=SEED)
            for e in events:
                if e["type"] == "care_team_assigned":
                    e["centre_id"] = CENTRE
                rows.append((e["event_id"], ref, e["type"], e["occurred_on"], e))
            pathways.append((ref, len(events)))
        total += len(rows)
        async with pool.acquire() as conn, conn.transaction():
            await conn.executemany(
                "INSERT INTO events (event_id, patient_ref, type, occurred_on, payload) "
                "VALUES ($1, $2, $3, $4::date, $5::jsonb)",
                [(i, r, t, datetime.fromisoformat(o).date(), p) for i, r, t, o, p in rows])
            await conn.executemany(
                "INSERT INTO pathways (patient_ref, events, stored_seq, centre_id) "
                "SELECT $1, $2, max(seq), $3 FROM events WHERE patient_ref = $1", [(r, c, CENTRE) for r, c in pathways])
    return total


async def plain_plans(store: EventStore, registry, today) -> float:
    """The baseline: every patient of the centre read from the store and planned once."""
    started = time.monotonic()
    refs = [ref async for ref in store.patients_of_centre(CENTRE)]
    for start in range(0, len(refs), PAGE):
        for ref, events in (await store.of_patients(refs[start:start + PAGE])).items():
            compute_plan(ref, events, today, registry.for_centre(centre_of(events)))
    return time.monotonic() - started


async def run(args: argparse.Namespace) -> Report:
    patients = args.patients or (300 if args.quick else 10_000)
    report = Report(NAME, args.quick, settings={"patients": patients, "events_each": EVENTS_EACH, "centre": CENTRE,
                                                "new": "rulesets/examples/current-therapies.yaml"})
    registry, new = single(default()), load(EXAMPLES / "current-therapies.yaml")
    today = local_date(datetime.now(UTC))
    async with fresh_database() as dsn, await create_pool(dsn) as pool:
        store = EventStore(pool)
        seeded = time.monotonic()
        events = await seed(pool, patients, today)
        print(f"  seeded {patients} patients, {events} events in {time.monotonic() - seeded:.0f} s", flush=True)
        baseline = await plain_plans(store, registry, today)
        print(f"  plain plans: {baseline:.1f} s", flush=True)
        found = await preview(store, registry, new, CENTRE, today,
                              progress=lambda done, total: print(f"  … {done}/{total}", flush=True)
                              if done % 2000 == 0 or done == total else None)
    figures: dict[str, Any] = {"patients": found.patients, "affected": found.affected, "preview_s": found.seconds,
                               "plain_plans_s": round(baseline, 2), "added": sum(found.added.values()),
                               "removed": sum(found.removed.values()), "moved": sum(found.moved.values())}
    report.rounds.append(figures)
    report.rows.append(Row(f"preview of {patients:,} patients (plain plans as baseline)", "s", found.seconds,
                           round(baseline, 2), higher_is_better=False, note="target: under 60 s for 10,000"))
    report.rows.append(Row("patients per second", "patients/s", round(patients / found.seconds, 1),
                           round(patients / baseline, 1)))
    report.notes.append(f"{found.affected} of {found.patients} patients affected; obligations added "
                        f"{figures['added']}, removed {figures['removed']}, moved {figures['moved']}")
    return report


def options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--patients", type=int, default=0, help="stored patients (default 10,000; quick 300)")


if __name__ == "__main__":
    bench_main(NAME, __doc__.splitlines()[0], run, options)
