"""Onboarding: patients with 20 historical events each (5 years of diagnoses, starts,
switches, MRIs, validations, generated from the rules) posted through the API's batch
endpoint, `POST /v1/events` with 1,000 events (50 patients) per request, beside bare
update-with-start carrying each patient's 20 events in one update, as many at once as the
API sends (2 clients x PATHWAY_API_CONCURRENCY).

The project's worker is wired as in production, e-mail to a local SMTP server, the shipped
ruleset (`delivery_mode: digest`): a late onboarding queues, for each open obligation, the
latest reminder whose time has come, and e-mails nothing during the import; the next digest
(run once all rounds are in, as the centre's schedule would) sends each recipient one e-mail.
It prints both counts: e-mails during the import, and e-mails and distinct recipients of the digest.
Three project figures: acknowledged (every request answered), stored (every event in the
event store) and settled (the worker idle again: plans published, reminders queued).

Rounds alternate (project, bare, project, bare...), each with new patients.

    python -m bench.onboarding [--quick] [--patients N]
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from bench import history_cost
from bench.common import Report, Row, main
from bench.drivers import CpuMeter, bare_updates, post_events, wait_stored
from bench.histories import patient_history
from bench.stack import open_stack, wait_idle
from contracts.pathway import DIGEST_WORKFLOW, DigestInput, DigestReport, workflow_id_for
from delivery.mail_catcher import MailCatcher
from domain.planner import local_date
from pathway_runtime.config import AppConfig
from store.directory import Directory
from tests.support.cli import EXAMPLES

NAME = "onboarding"
EVENTS_EACH = 20
PATIENTS_PER_REQUEST = 50
API_CONCURRENCY = AppConfig().api_concurrency
DRAIN_TIMEOUT_S = 900.0
HISTORY_SAMPLE = 200
"""Patients of each path whose workflows' histories are fetched after the rounds (every k-th)."""


@dataclass(frozen=True)
class Sizes:
    patients: int
    rounds: int
    clients: int


FULL = Sizes(patients=1000, rounds=4, clients=2)
QUICK = Sizes(patients=30, rounds=1, clients=1)


def requests_for(refs: list[str], today) -> list[dict[str, Any]]:
    bodies = []
    for i in range(0, len(refs), PATIENTS_PER_REQUEST):
        bodies.append({"events": [e for ref in refs[i:i + PATIENTS_PER_REQUEST]
                                  for e in patient_history(ref, EVENTS_EACH, today, seed=3)]})
    return bodies


def bare_calls(bodies: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """One update per patient carrying its events, as the API sends them."""
    by_patient: dict[str, list[dict[str, Any]]] = {}
    for body in bodies:
        for event in body["events"]:
            by_patient.setdefault(f"bare-{event['patient_ref']}", []).append(event)
    return [(workflow_id, {"events": events}) for workflow_id, events in by_patient.items()]


def patient_years(bodies: list[dict[str, Any]], today) -> dict[str, float]:
    """Patient ref -> years from its first clinical event to today (what the import covers)."""
    first: dict[str, str] = {}
    for body in bodies:
        for e in body["events"]:
            first[e["patient_ref"]] = min(first.get(e["patient_ref"], e["occurred_on"]), e["occurred_on"])
    return {ref: (today - date.fromisoformat(on)).days / 365.25 for ref, on in first.items()}


async def history_costs(client, years: dict[str, float]) -> dict[str, dict[str, Any]]:
    """For the project and bare: the summed history cost of a sample of the patients' workflows,
    with their clinical events and patient-years."""
    refs = history_cost.sample(sorted(years), HISTORY_SAMPLE)
    found = {}
    for path, workflow_id in (("project", workflow_id_for), ("bare", lambda ref: f"bare-{ref}")):
        cost = await history_cost.measure(client, [workflow_id(r) for r in refs])
        found[path] = {"cost": cost, "clinical_events": EVENTS_EACH * len(refs),
                       "patient_years": sum(years[r] for r in refs)}
    return found


async def reminder_rows(pool, refs: list[str]) -> int:
    async with pool.acquire() as conn:
        return await conn.fetchval("SELECT count(*) FROM reminders WHERE patient_ref = ANY($1::text[])", refs)


async def run(args: argparse.Namespace) -> Report:
    sizes = QUICK if args.quick else FULL
    if args.patients:
        sizes = replace(sizes, patients=args.patients)
    per_round = [sizes.patients // sizes.rounds + (1 if r < sizes.patients % sizes.rounds else 0)
                 for r in range(sizes.rounds)]
    report = Report(NAME, args.quick, settings={**sizes.__dict__, "events_each": EVENTS_EACH,
                                                "patients_per_request": PATIENTS_PER_REQUEST,
                                                "bare_concurrency": sizes.clients * API_CONCURRENCY,
                                                "path": "HTTP API batch endpoint (POST /v1/events)"})
    run_id = uuid.uuid4().hex[:6]
    today = local_date(datetime.now(UTC))
    async with open_stack(NAME) as stack, MailCatcher() as catcher:
        await Directory(stack.pool).load(EXAMPLES / "directory.json")
        queues = {"project": f"pathway-{run_id}", "bare": f"bare-{run_id}"}
        smtp = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(catcher.port)}
        project_worker = await stack.worker("project", queues["project"], **smtp)
        bare_worker = await stack.worker("bare", queues["bare"], **smtp)
        api, url = await stack.api(queues["project"])
        token = await stack.integration_token(f"bench-{run_id}")
        processes = [stack.server, project_worker, bare_worker, api]
        years: dict[str, float] = {}

        async def settle() -> float:
            return await wait_idle([project_worker, bare_worker, api], DRAIN_TIMEOUT_S)

        for r, count in enumerate(per_round):
            refs = [f"{run_id}r{r}-{i}" for i in range(count)]
            bodies = requests_for(refs, today)
            years.update(patient_years(bodies, today))
            events = sum(len(b["events"]) for b in bodies)
            mails_before = len(catcher.received)
            meter = CpuMeter(processes)
            started = time.monotonic()
            posted = await post_events(url, token, bodies, sizes.clients, timeout_s=600)
            acknowledged = time.monotonic() - started
            stored = await wait_stored(stack.pool, refs, posted.events, DRAIN_TIMEOUT_S) - started
            settled = time.monotonic() - started
            settled += await settle()
            report.rounds.append({
                "path": "project", "patients": count, "events": posted.events, "expected_events": events,
                "requests": posted.requests, "failures": posted.failures, "errors": posted.errors,
                "acknowledged_s": round(acknowledged, 2), "stored_s": round(stored, 2), "settled_s": round(settled, 2),
                "reminders": await reminder_rows(stack.pool, refs), "emails": len(catcher.received) - mails_before,
                "cpu_s": meter.used()})
            print(f"  project round {r}: {count} patients, {posted.events} events: acknowledged {acknowledged:.1f} s, "
                  f"stored {stored:.1f} s, settled {settled:.1f} s"
                  + (f"  FAILURES {posted.failures}: {posted.errors[:1]}" if posted.failures else ""), flush=True)

            calls = bare_calls(bodies)
            meter = CpuMeter(processes)
            started = time.monotonic()
            bare = await bare_updates(stack.client, queues["bare"], calls, sizes.clients * API_CONCURRENCY,
                                      EVENTS_EACH)
            acknowledged = time.monotonic() - started
            settled = acknowledged + await settle()
            report.rounds.append({
                "path": "bare", "patients": count, "events": bare.events, "expected_events": events,
                "requests": bare.requests, "failures": bare.failures, "errors": bare.errors,
                "acknowledged_s": round(acknowledged, 2), "stored_s": None, "settled_s": round(settled, 2),
                "cpu_s": meter.used()})
            print(f"  bare    round {r}: {count} patients, {bare.events} events: acknowledged {acknowledged:.1f} s",
                  flush=True)
        # Reminders leave a pathway once it has been quiet (PATHWAY_REMINDER_QUIET_SECONDS): let the
        # last round's go (queued, or e-mailed if the ruleset said immediate) before counting.
        await asyncio.sleep(AppConfig().reminder_quiet_seconds + 5)
        await settle()
        during_import = len(catcher.received)
        digest = await next_digest(stack.client, queues["project"], run_id)
        received = catcher.received[during_import:]
        recipients = {address for r in received for address in r.rcpt_tos}
        fetch_started = time.monotonic()
        costs = await history_costs(stack.client, years)
        report.extra["history_fetch_s"] = round(time.monotonic() - fetch_started, 2)
    report.rows = rows(report.rounds) + cost_rows(costs)
    report.extra["history_cost"] = {path: {**c["cost"].as_json(), "clinical_events": c["clinical_events"],
                                           "patient_years": round(c["patient_years"], 1)}
                                    for path, c in costs.items()}
    report.notes.append(f"history costs: every run of the workflows of {min(HISTORY_SAMPLE, len(years))} of the "
                        f"{len(years)} patients, fetched after the digest; per patient-year = over the years each "
                        "history covers (first event to today), i.e. the cost of importing them, not of living them")
    failures = sum(r["failures"] for r in report.rounds)
    project = [r for r in report.rounds if r["path"] == "project"]
    report.settings["digest"] = {"emails_during_import": during_import, "digest_emails": len(received),
                                 "digest_recipients": len(recipients), "digest_items": digest.items}
    print(f"  e-mails during the import: {during_import}; next digest: {len(received)} e-mails to "
          f"{len(recipients)} distinct recipients, {digest.items} items", flush=True)
    report.notes.append(f"{sizes.patients} patients x {EVENTS_EACH} events through the API batch endpoint "
                        f"({PATIENTS_PER_REQUEST} patients per request, {sizes.clients} clients); "
                        f"{sum(r['reminders'] for r in project)} reminder rows, "
                        f"{during_import} e-mails during the import; the next digest: {len(received)} e-mails "
                        f"to {len(recipients)} distinct recipients ({digest.items} items)")
    if failures:
        report.notes.append(f"{failures} requests failed (see rounds[].errors)")
    return report


async def next_digest(client, task_queue: str, run_id: str) -> DigestReport:
    """The digest of every centre on the default ruleset, started as its schedule would."""
    return await client.execute_workflow(
        DIGEST_WORKFLOW, DigestInput(scope="default", timezone="Europe/Paris"), id=f"digest-{run_id}",
        task_queue=task_queue, result_type=DigestReport)


def _sum(rounds: list[dict[str, Any]], path: str, key: str) -> float:
    return sum(r[key] for r in rounds if r["path"] == path)


def rows(rounds: list[dict[str, Any]]) -> list[Row]:
    events = {p: _sum(rounds, p, "events") for p in ("project", "bare")}
    patients = {p: _sum(rounds, p, "patients") for p in ("project", "bare")}

    def rate(path: str, key: str, per: dict[str, float]) -> float | None:
        seconds = _sum(rounds, path, key)
        return per[path] / seconds if seconds else None

    bare_s = _sum(rounds, "bare", "settled_s")
    return [
        Row("total time, acknowledged", "s", _sum(rounds, "project", "acknowledged_s"), bare_s, higher_is_better=False),
        Row("total time, settled (stored, published, reminded)", "s", _sum(rounds, "project", "settled_s"), bare_s,
            higher_is_better=False),
        Row("events/s, acknowledged", "events/s", rate("project", "acknowledged_s", events),
            rate("bare", "settled_s", events)),
        Row("events/s, stored", "events/s", rate("project", "stored_s", events), rate("bare", "settled_s", events)),
        Row("events/s, settled", "events/s", rate("project", "settled_s", events), rate("bare", "settled_s", events)),
        Row("patients/s, settled", "patients/s", rate("project", "settled_s", patients),
            rate("bare", "settled_s", patients)),
    ]


def cost_rows(costs: dict[str, dict[str, Any]]) -> list[Row]:
    """History events, bytes and billable actions per clinical event and per patient-year."""
    project, bare = costs["project"], costs["bare"]
    return [*history_cost.rows(project["cost"], project["clinical_events"], bare["cost"], bare["clinical_events"],
                               "clinical event"),
            *history_cost.rows(project["cost"], project["patient_years"], bare["cost"], bare["patient_years"],
                               "patient-year imported")]


def options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--patients", type=int, default=0,
                        help="patients in all (default 1,000; the issue's size is 5,000; quick 50)")


if __name__ == "__main__":
    main(NAME, __doc__.splitlines()[0], run, options)
