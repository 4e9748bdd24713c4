"""Due-date storm: patients whose reminders all fall due at the same instant, e-mailed through
a local SMTP server (`delivery.mail_catcher.MailCatcher`); delivery lateness (arrival at the
SMTP server minus the instant due) p50/p95/p99/max.

Project: each patient started natalizumab today, with the MRI and the ETP assessment done
and no validation yet, so R15's initial validation is due today, at once; the worker's
ruleset file puts the centre's reminder hour (`settings.reminder_time`) at an instant T in
real time, as far ahead as the set-up needs (its rate is first measured on a few pathways,
with a worker whose ruleset reminds at the end of the day). Pathways are started through
the intake (events stored, then update-with-start), then sleep until T and send the
reminder with the production delivery: directory look-up, reminder log, SMTP.

Baseline: bare workflows with a timer firing at T' and one activity sending the same
e-mail (same content builder, same recipients, same SMTP channel), same worker settings.

The project's storm runs first (ruleset `delivery_mode: immediate`, one e-mail per reminder),
then the baseline's (a storm each, not both at once).

Digest variant (the shipped `delivery_mode: digest`): as many patients, spread over 40
neurologists, all due the same morning (the reminder hour already passed today): every
pathway queues its reminder, then the centre's digest runs (as its schedule would) and sends
one e-mail per recipient. Figures: e-mails sent beside the immediate mode's, and each
digest's arrival after the digest's start (its lateness; the schedule itself leaves
`digest_after_minutes` after the reminder hour by design).

    python -m bench.storm [--quick] [--patients N] [--lead S]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench import history_cost
from bench.bare import BareEmail, BareInput, BareWorkflow
from bench.common import Report, Row, percentile
from bench.common import main as bench_main
from bench.drivers import for_each_concurrently
from bench.stack import Child, Stack, open_stack, wait_idle
from contracts.pathway import DIGEST_WORKFLOW, DigestInput, DigestReport, PathwayTimings, workflow_id_for
from delivery.email import DIGEST_ID_HEADER, REMINDER_ID_HEADER
from delivery.mail_catcher import MailCatcher
from domain.calendar import add_days
from domain.dispatch import ReminderMessage
from domain.events import ClinicalEvent, parse_event
from domain.plan import Recipient
from domain.planner import compute_plan
from domain.ruleset import Ruleset, single
from rulesets import DEFAULT_FILE, load
from service.intake import record_patient
from store.directory import Directory
from tests.support.cli import EXAMPLES

NAME = "storm"
PARIS = ZoneInfo("Europe/Paris")
CONCURRENCY = 32
"""Pathways started at once during the set-up (as the API does for 2 batch clients)."""
RECIPIENTS = (Recipient(role="neurologist", id="N12"), Recipient(role="crc_coordinator", id="C13"))
ADDRESSES = ("a.martin@example.org", "crc-coordination@example.org")
"""N12 and C13 in examples/directory.json: where R15's reminders go."""
HISTORY_SAMPLE = 200
"""Storm workflows of each path whose histories are fetched after the storms (every k-th)."""


@dataclass(frozen=True)
class Sizes:
    patients: int
    margin_s: float
    """Seconds added to the set-up time estimated from a calibration: the instant is then."""
    wait_s: float
    """How long after the instant to wait for every e-mail."""
    lead_s: float = 0.0
    """A fixed lead (seconds from the set-up start to the instant) instead of the calibrated one."""


FULL = Sizes(patients=1000, margin_s=15, wait_s=600)
QUICK = Sizes(patients=20, margin_s=4, wait_s=120)
LEAD_FACTOR = 2.0
"""The set-up is given twice the time the calibration rate predicts (a busy machine slows it)."""
FAR = clock(23, 59, 59)
WORKER_START_S = 10.0
"""Lead time added for the storm's worker to start (its ruleset names the storm's instant)."""
"""Calibration pathways remind at the end of the centre day: never during the benchmark."""


class Arrivals:
    """When each e-mail reached the SMTP server, by reminder id."""

    def __init__(self) -> None:
        self.at: dict[str, float] = {}
        self.duplicates = 0

    async def __call__(self, message: EmailMessage) -> None:
        reminder_id = str(message[REMINDER_ID_HEADER] or message[DIGEST_ID_HEADER])
        if reminder_id in self.at:
            self.duplicates += 1
            return
        self.at[reminder_id] = time.time()

    async def wait_for(self, ids: set[str], timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while not ids <= self.at.keys() and time.monotonic() < deadline:
            await asyncio.sleep(0.1)


def instant_after(lead_s: float) -> datetime:
    """Now + lead, to the second, on the same centre day (the events are dated today)."""
    due = (datetime.now(UTC) + timedelta(seconds=lead_s)).replace(microsecond=0)
    if due.astimezone(PARIS).date() != datetime.now(PARIS).date():
        raise RuntimeError("the instant would fall on tomorrow's centre day; run again after midnight (Paris)")
    return due


def patient_events(ref: str, today, neurologist: str = "N12") -> list[ClinicalEvent]:
    raw = [("diagnosis_recorded", add_days(today, -700), {"diagnosis": "relapsing_remitting"}),
           ("care_team_assigned", add_days(today, -700), {"neurologist_id": neurologist, "centre_id": "C13"}),
           ("mri_performed", today, {"regions": ["brain", "spinal"]}),
           ("treatment_started", today, {"molecule": "natalizumab"}),
           ("etp_assessed", today, {"referral_needed": False})]
    return [parse_event({"event_id": f"{ref}-{n}", "patient_ref": ref, "type": t, "occurred_on": on.isoformat(), **f})
            for n, (t, on, f) in enumerate(raw, 1)]


def ruleset_at(directory: Path, hour: clock, mode: str = "immediate") -> tuple[Path, Ruleset]:
    """The default ruleset with its reminder hour at `hour` and e-mail delivery `mode`, written
    for a worker process."""
    path = directory / f"storm-{mode}-{hour.strftime('%H%M%S')}.yaml"
    path.write_text(DEFAULT_FILE.read_text().replace('reminder_time: "08:00"', f'reminder_time: "{hour.isoformat()}"')
                    .replace("delivery_mode: digest", f"delivery_mode: {mode}"))
    return path, load(path)


def reminders_at(ref: str, events: list[ClinicalEvent], due: datetime, ruleset: Ruleset) -> list[str]:
    """The reminder ids the plan schedules at `due` (and checks none is due before it)."""
    plan = compute_plan(ref, events, datetime.now(UTC), ruleset)
    steps = [s for o in plan.open_obligations() for s in o.reminders]
    early = [s for s in steps if s.at < due and s.at <= datetime.now(UTC) + timedelta(seconds=1)]
    if early:
        raise RuntimeError(f"the storm's events give reminders before the instant: {early[:2]}")
    return [s.reminder_id for s in steps if s.at == due]


def lateness(arrivals: Arrivals, ids: list[str], due: datetime) -> list[float]:
    return [arrivals.at[i] - due.timestamp() for i in ids if i in arrivals.at]


def calibration_size(sizes: Sizes) -> int:
    return max(5, min(60, sizes.patients // 25))


def lead_s(sizes: Sizes, calibration: int, seconds: float) -> float:
    return sizes.lead_s or sizes.margin_s + LEAD_FACTOR * sizes.patients * seconds / calibration


async def start_pathways(stack: Stack, queue: str, patients: list[tuple[str, list[ClinicalEvent]]],
                         ruleset: Ruleset, failures: list[str]) -> None:
    intake = stack.intake(queue, single(ruleset), PathwayTimings(quiet_seconds=0))

    async def start(patient: tuple[str, list[ClinicalEvent]]) -> None:
        try:
            await record_patient(intake, patient[0], patient[1], "bench")
        except Exception as error:  # counted and shown
            failures.append(f"{type(error).__name__}: {error}"[:300])

    await for_each_concurrently(patients, CONCURRENCY, start)


async def project_storm(stack: Stack, sizes: Sizes, arrivals: Arrivals, run_id: str,
                        catcher_port: int) -> dict[str, Any]:
    far_file, far = ruleset_at(stack.log_dir, FAR)
    calibrating = await stack.worker("project", f"calibrate-{run_id}", SMTP_HOST="127.0.0.1",
                                     SMTP_PORT=str(catcher_port), PATHWAY_RULESET=str(far_file))
    today = datetime.now(PARIS).date()
    failures: list[str] = []
    calibration = calibration_size(sizes)
    started = time.monotonic()
    await start_pathways(stack, f"calibrate-{run_id}", [(f"{run_id}c{i}", patient_events(f"{run_id}c{i}", today))
                                                        for i in range(calibration)], far, failures)
    calibrated_s = time.monotonic() - started + await wait_idle([calibrating], timeout_s=sizes.wait_s)
    await stack.stop(calibrating)
    started = time.monotonic()
    due = instant_after(lead_s(sizes, calibration, calibrated_s) + WORKER_START_S)
    local = due.astimezone(PARIS)
    storm_file, storm = ruleset_at(stack.log_dir, clock(local.hour, local.minute, local.second))
    queue = f"pathway-{run_id}"
    worker = await stack.worker("project", queue, SMTP_HOST="127.0.0.1", SMTP_PORT=str(catcher_port),
                                PATHWAY_RULESET=str(storm_file))
    patients = [(f"{run_id}p{i}", patient_events(f"{run_id}p{i}", today)) for i in range(sizes.patients)]
    expected = [rid for ref, events in patients for rid in reminders_at(ref, events, due, storm)]
    await start_pathways(stack, queue, patients, storm, failures)
    return await _await_storm(stack, worker, sizes, arrivals, "project", "pathways", "reminders", due, expected,
                              failures, started)


DIGEST_NEUROLOGISTS = 40


async def digest_directory(stack: Stack, run_id: str) -> list[str]:
    """40 neurologists of centre C13, each with an address of their own; their ids."""
    ids = [f"N{run_id}-{k}" for k in range(DIGEST_NEUROLOGISTS)]
    path = stack.log_dir / f"digest-directory-{run_id}.json"
    path.write_text(json.dumps({"neurologists": [
        {"neurologist_id": i, "display_name": f"Dr {k}", "email": f"neuro{k}-{run_id}@example.org", "centre_id": "C13"}
        for k, i in enumerate(ids)]}))
    await Directory(stack.pool).load(path)
    return ids


async def wait_queued(stack: Stack, refs: list[str], timeout_s: float) -> int:
    """Until every patient's reminder e-mail is queued for the digest; how many are."""
    deadline = time.monotonic() + timeout_s
    while True:
        async with stack.pool.acquire() as conn:
            queued = await conn.fetchval("SELECT count(*) FROM reminders WHERE patient_ref = ANY($1::text[]) "
                                         "AND channel = 'email' AND status = 'queued'", refs)
        if queued >= len(refs) or time.monotonic() > deadline:
            return queued
        await asyncio.sleep(0.5)


async def digest_storm(stack: Stack, sizes: Sizes, catcher: MailCatcher, run_id: str) -> dict[str, Any]:
    neurologists = await digest_directory(stack, run_id)
    path, ruleset = ruleset_at(stack.log_dir, clock(0, 0, 1), mode="digest")  # due this morning, already
    queue = f"digest-{run_id}"
    worker = await stack.worker("project", queue, SMTP_HOST="127.0.0.1", SMTP_PORT=str(catcher.port),
                                PATHWAY_RULESET=str(path))
    today = datetime.now(PARIS).date()
    patients = [(f"{run_id}g{i}", patient_events(f"{run_id}g{i}", today, neurologists[i % len(neurologists)]))
                for i in range(sizes.patients)]
    failures: list[str] = []
    started = time.monotonic()
    await start_pathways(stack, queue, patients, ruleset, failures)
    queued = await wait_queued(stack, [ref for ref, _ in patients], sizes.wait_s)
    setup_s = time.monotonic() - started
    before = len(catcher.received)
    digest_at = time.time()
    report = await stack.client.execute_workflow(
        DIGEST_WORKFLOW, DigestInput(scope="default", timezone="Europe/Paris"), id=f"digest-{run_id}",
        task_queue=queue, result_type=DigestReport)
    digest_s = time.time() - digest_at
    received = catcher.received[before:]
    late = [at - digest_at for key, at in arrivals_of(catcher, received)]
    await stack.stop(worker)
    print(f"  digest:  {sizes.patients} pathways queued {queued} reminders in {setup_s:.1f} s; the digest sent "
          f"{len(received)} e-mails to {len({a for r in received for a in r.rcpt_tos})} recipients in {digest_s:.1f} s",
          flush=True)
    return {"path": "digest", "patients": sizes.patients, "neurologists": len(neurologists), "queued": queued,
            "emails": len(received), "recipients": len({a for r in received for a in r.rcpt_tos}),
            "items": report.items, "setup_s": round(setup_s, 1), "digest_s": round(digest_s, 2),
            "failures": len(failures), "errors": failures[:5],
            "lateness_s": {f"p{p}": _r(percentile(late, p)) for p in (50, 95, 99)} | {"max": _r(max(late, default=None)),
                                                                                     "min": _r(min(late, default=None))}}


def arrivals_of(catcher: MailCatcher, received) -> list[tuple[str, float]]:  # noqa: ANN001
    """(digest id, arrival) of digest e-mails, from the arrival times the storm's hook keeps."""
    hook = catcher.on_accept
    times = hook.at if isinstance(hook, Arrivals) else {}
    keys = [str(r.message[DIGEST_ID_HEADER]) for r in received]
    return [(k, times[k]) for k in keys if k in times]


def bare_email(ref: str, due: datetime) -> BareEmail:
    local_day = due.astimezone(PARIS).date()
    message = ReminderMessage(
        reminder_id=uuid.uuid5(uuid.NAMESPACE_URL, f"bare/{ref}/{due.isoformat()}").hex, patient_ref=ref,
        obligation_id="r15-validation-bench", rule="R15", kind="treatment_validation", step="due", due_on=local_day,
        scheduled_at=due, escalated=False, recipients=RECIPIENTS)
    return BareEmail(message=message, to=ADDRESSES)


async def start_bare(stack: Stack, queue: str, emails: list[tuple[str, BareEmail]], due: datetime,
                     failures: list[str]) -> None:
    async def start(item: tuple[str, BareEmail]) -> None:
        try:
            await stack.client.start_workflow(BareWorkflow.run, BareInput(fire_at=due, email=item[1]),
                                              id=f"bare-{item[0]}", task_queue=queue)
        except Exception as error:  # counted and shown
            failures.append(f"{type(error).__name__}: {error}"[:300])

    await for_each_concurrently(emails, CONCURRENCY, start)


async def bare_storm(stack: Stack, sizes: Sizes, arrivals: Arrivals, run_id: str, catcher_port: int) -> dict[str, Any]:
    queue = f"bare-{run_id}"
    worker = await stack.worker("bare", queue, SMTP_HOST="127.0.0.1", SMTP_PORT=str(catcher_port))
    failures: list[str] = []
    calibration = calibration_size(sizes)
    far = datetime.now(UTC) + timedelta(days=1)
    started = time.monotonic()
    await start_bare(stack, queue, [(f"{run_id}d{i}", bare_email(f"{run_id}d{i}", far)) for i in range(calibration)],
                     far, failures)
    calibrated_s = time.monotonic() - started + await wait_idle([worker], timeout_s=sizes.wait_s)
    started = time.monotonic()
    due = instant_after(lead_s(sizes, calibration, calibrated_s))
    emails = [(f"{run_id}b{i}", bare_email(f"{run_id}b{i}", due)) for i in range(sizes.patients)]
    expected = [email.message.reminder_id for _, email in emails]
    await start_bare(stack, queue, emails, due, failures)
    return await _await_storm(stack, worker, sizes, arrivals, "bare", "workflows", "e-mails", due, expected,
                              failures, started)


async def _await_storm(stack: Stack, worker: Child, sizes: Sizes, arrivals: Arrivals, path: str, started_what: str,
                       due_what: str, due: datetime, expected: list[str], failures: list[str],
                       started: float) -> dict[str, Any]:
    """After the storm's workflows are started: let the set-up settle, wait for the e-mails
    due, and stop the worker; the round's figures."""
    acknowledged_s = time.monotonic() - started
    setup_s = acknowledged_s + await wait_idle([worker], timeout_s=max(0.0, due.timestamp() - time.time()) + sizes.wait_s)
    print(f"  {path + ':':8} {sizes.patients} {started_what} started in {acknowledged_s:.1f} s, settled in "
          f"{setup_s:.1f} s; {len(expected)} {due_what} due at {due.astimezone(PARIS).time()} (Paris)", flush=True)
    await arrivals.wait_for(set(expected), max(0.0, due.timestamp() - time.time()) + sizes.wait_s)
    await wait_idle([worker], timeout_s=sizes.wait_s)
    result = _result(path, due, expected, arrivals, failures, setup_s, started)
    await stack.stop(worker)
    return result


def _result(path: str, due: datetime, expected: list[str], arrivals: Arrivals, failures: list[str],
            setup_s: float, started: float) -> dict[str, Any]:
    late = lateness(arrivals, expected, due)
    lead = due.timestamp() - (time.time() - (time.monotonic() - started))
    return {"path": path, "due_at": due.isoformat(), "expected_emails": len(expected), "lead_s": round(lead, 1),
            "delivered": len(late), "setup_s": round(setup_s, 1), "setup_within_lead": setup_s < lead,
            "failures": len(failures), "errors": failures[:5],
            "lateness_s": {f"p{p}": _r(percentile(late, p)) for p in (50, 95, 99)} | {"max": _r(max(late, default=None)),
                                                                                     "min": _r(min(late, default=None))}}


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


async def run(args: argparse.Namespace) -> Report:
    sizes = QUICK if args.quick else FULL
    if args.patients:
        sizes = Sizes(**{**sizes.__dict__, "patients": args.patients})
    if args.lead:
        sizes = Sizes(**{**sizes.__dict__, "lead_s": args.lead})
    report = Report(NAME, args.quick, settings=dict(sizes.__dict__, setup_concurrency=CONCURRENCY,
                                                    lead_factor=LEAD_FACTOR,
                                                    path="the intake's record_patient (store, then update-with-start)"))
    run_id = uuid.uuid4().hex[:6]
    arrivals = Arrivals()
    async with open_stack(NAME) as stack, MailCatcher() as catcher:
        catcher.on_accept = arrivals
        await Directory(stack.pool).load(EXAMPLES / "directory.json")
        report.rounds.append(await project_storm(stack, sizes, arrivals, run_id, catcher.port))
        report.rounds.append(await bare_storm(stack, sizes, arrivals, run_id, catcher.port))
        report.rounds.append(await digest_storm(stack, sizes, catcher, run_id))
        fetch_started = time.monotonic()
        costs = await storm_costs(stack, sizes, run_id)
        report.extra["history_fetch_s"] = round(time.monotonic() - fetch_started, 2)
    project, bare, digest = report.rounds
    report.rows = [Row(f"lateness {key}", "s", project["lateness_s"][key], bare["lateness_s"][key],
                       higher_is_better=False) for key in ("p50", "p95", "p99", "max")]
    report.rows.append(Row("e-mails delivered", "count", project["delivered"], bare["delivered"],
                           note=f"of {project['expected_emails']} / {bare['expected_emails']}"))
    report.rows.append(Row("set-up until idle", "s", project["setup_s"], bare["setup_s"], higher_is_better=False))
    report.rows.append(Row("digest mode: e-mails sent (baseline: immediate mode)", "count", digest["emails"],
                           project["delivered"], higher_is_better=False,
                           note=f"{digest['recipients']} recipients, {digest['items']} items"))
    for key in ("p50", "max"):
        report.rows.append(Row(f"digest mode: arrival after the digest's start {key} (baseline: immediate "
                               "lateness)", "s", digest["lateness_s"][key], project["lateness_s"][key],
                               higher_is_better=False))
    report.rows += history_cost.rows(costs["project"], costs["project_patients"], costs["bare"],
                                     costs["bare_patients"], "patient (5 clinical events, 1 reminder due)",
                                     note="bare: one workflow per reminder, timer then activity, no clinical event")
    report.extra["history_cost"] = {path: costs[path].as_json() for path in ("project", "bare")}
    report.notes.append(f"history costs: every run of {costs['project_patients']} project and "
                        f"{costs['bare_patients']} bare storm workflows (every k-th), fetched after the storms; "
                        f"per clinical event, the project's is a fifth of its per-patient figure")
    report.notes.append(f"digest variant: {digest['patients']} patients over {digest['neurologists']} neurologists "
                        f"(and the coordinator), all due the same morning: {digest['emails']} e-mails instead of "
                        f"{project['delivered']}; the digest ran {digest['digest_s']} s; its schedule leaves "
                        "digest_after_minutes after the reminder hour by design, not counted here")
    report.notes.append(f"{sizes.patients} patients, one e-mail each (R15 initial validation, to 2 recipients), "
                        "all due at the same second; lateness = arrival at the SMTP server - instant due")
    for r in report.rounds:
        if not r.get("setup_within_lead", True):
            report.notes.append(f"WARNING: the {r['path']} set-up ({r['setup_s']} s) overran its lead; "
                                "raise --lead: reminders of late pathways went out at their start")
        if r["failures"]:
            report.notes.append(f"{r['failures']} {r['path']} starts failed: {r['errors'][:1]}")
    if arrivals.duplicates:
        report.notes.append(f"{arrivals.duplicates} e-mails arrived twice")
    return report


async def storm_costs(stack: Stack, sizes: Sizes, run_id: str) -> dict[str, Any]:
    """History cost of a sample of the immediate storm's pathways and of the bare storm's workflows."""
    project = history_cost.sample([workflow_id_for(f"{run_id}p{i}") for i in range(sizes.patients)], HISTORY_SAMPLE)
    bare = history_cost.sample([f"bare-{run_id}b{i}" for i in range(sizes.patients)], HISTORY_SAMPLE)
    return {"project": await history_cost.measure(stack.client, project), "project_patients": len(project),
            "bare": await history_cost.measure(stack.client, bare), "bare_patients": len(bare)}


def options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--patients", type=int, default=0,
                        help="patients (default 1,000 to keep bench.all near 15 min; the issue's size is 2,000: --patients 2000; quick 20)")
    parser.add_argument("--lead", type=float, default=0,
                        help="seconds from a set-up's start to its instant due (default: calibrated on a few "
                             "pathways started first)")


if __name__ == "__main__":
    bench_main(NAME, __doc__.splitlines()[0], run, options)
