"""Domain: the time `domain.planner.compute_plan` takes for histories of 10, 100, 300, 600 and
1,000 events (generated from the rules, about 25 events a year for the long ones), median of
repeats, beside the baseline of parsing the same events from JSON (what the API does to
every event it receives, and what a settle does to each event it reads from the store).
Also the settle's own work beside the plan: the digest of the plan and its payload round
trip through the pydantic converter (what the local activity records in history).

No server: pure Python, one process. Repeats alternate plan and parse.

    python -m bench.domain [--quick]
"""

from __future__ import annotations

import argparse
import gc
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from temporalio.contrib.pydantic import pydantic_data_converter

from bench.common import Report, Row, median
from bench.common import main as bench_main
from bench.histories import patient_history, span_years
from contracts.pathway import PlanDigest
from domain.dispatch import DeliveryHistory, due_reminders
from domain.events import parse_event
from domain.planner import compute_plan, local_date
from rulesets import default as default_ruleset
from service.digest import digest_of

NAME = "domain"
RULESET = default_ruleset()
SIZES = (10, 100, 300, 600, 1000)
"""600: a 30-year pathway's order of size (issue 16: its plan under 5 ms)."""
FULL_REPEATS = {10: 200, 100: 40, 300: 15, 600: 10, 1000: 7}
QUICK_REPEATS = {10: 5, 100: 3, 300: 2, 600: 1, 1000: 1}


def timed(action: Callable[[], Any]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def payload_round_trip(ref: str, texts: list[str], now: datetime) -> int:
    """What a settle does besides the store's round trips: parse the stored events, plan, choose
    the reminders, digest, and the digest to payload and back; returns the payload's size."""
    events = [parse_event(json.loads(t)) for t in texts]
    plan = compute_plan(ref, events, now, RULESET)
    digest = digest_of(plan, len(events), len(events), due_reminders(plan, now, DeliveryHistory(), RULESET))
    converter = pydantic_data_converter.payload_converter
    [payload] = converter.to_payloads([digest])
    converter.from_payloads([payload], [PlanDigest])
    return len(payload.data)


def measure(size: int, repeats: int, now: datetime) -> dict[str, Any]:
    ref = f"D{size}"
    raw = patient_history(ref, size, local_date(now), seed=5, years=span_years(size))
    texts = [json.dumps(e) for e in raw]
    events = [parse_event(e) for e in raw]
    plan = compute_plan(ref, events, now, RULESET)  # warm: imports, caches
    plans, parses, trips = [], [], []
    gc.collect()
    for _ in range(repeats):
        plans.append(timed(lambda: compute_plan(ref, events, now, RULESET)))
        parses.append(timed(lambda: [parse_event(json.loads(t)) for t in texts]))
        trips.append(timed(lambda: payload_round_trip(ref, texts, now)))
    digest_bytes = payload_round_trip(ref, texts, now)
    return {"events": size, "years": span_years(size), "obligations": len(plan.obligations), "repeats": repeats,
            "digest_bytes": digest_bytes,
            "plan_ms": _ms(median(plans)), "parse_ms": _ms(median(parses)),
            "local_activity_ms": _ms(median(trips)), "plan_us_per_event": round(1e6 * median(plans) / size, 1)}


async def run(args: argparse.Namespace) -> Report:
    repeats = QUICK_REPEATS if args.quick else FULL_REPEATS
    report = Report(NAME, args.quick, settings={"sizes": SIZES, "repeats": repeats})
    now = datetime.now(UTC)
    for size in SIZES:
        figures = measure(size, repeats[size], now)
        report.rounds.append(figures)
        print(f"  {size:5} events: plan {figures['plan_ms']:8.2f} ms, parse {figures['parse_ms']:7.2f} ms, "
              f"settle {figures['local_activity_ms']:8.2f} ms (digest {figures['digest_bytes']:,} bytes)", flush=True)
    for r in report.rounds:
        report.rows.append(Row(f"plan of {r['events']:,} events (parse as baseline)", "ms", r["plan_ms"], r["parse_ms"],
                               higher_is_better=False, note=f"{r['obligations']} obligations"))
    for r in report.rounds:
        report.rows.append(Row(f"settle, {r['events']:,} events (parse as baseline)", "ms",
                               r["local_activity_ms"], r["parse_ms"], higher_is_better=False,
                               note=f"parse + plan + digest ({r['digest_bytes']:,} bytes) both ways"))
    first, last = report.rounds[0], report.rounds[-1]
    report.notes.append(f"from {first['events']} to {last['events']} events ({last['events'] // first['events']}x) "
                        f"the plan takes {last['plan_ms'] / first['plan_ms']:.0f}x as long; "
                        f"parsing {last['parse_ms'] / first['parse_ms']:.0f}x")
    return report


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 3)


if __name__ == "__main__":
    bench_main(NAME, __doc__.splitlines()[0], run)
