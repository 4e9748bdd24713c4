"""Worklist: the staff page `/staff/liste` of a centre with 10,000 followed patients (20 events
each over 5 years, their plans in the read model), beside the baseline of the bare indexed read
of the same number of obligation rows (no join, no rendering) in the same run; the JSON
worklist (`GET /v1/worklist`) is measured too. Issue 15's target: the page under a second.

No Temporal: the pages read the read model only. The plans are computed by the domain and
written as a settle writes them (`ReadModel.upsert_plan_in`), not through the intake.

    python -m bench.worklist [--quick] [--patients N] [--requests N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime
from typing import Any

import httpx

from api.app import create_app
from bench.common import Report, Row, percentile
from bench.common import main as bench_main
from bench.histories import patient_history
from domain.events import parse_event
from domain.planner import compute_plan, local_date
from pathway_runtime.config import AppConfig
from pathway_runtime.logs import configure_logging
from rulesets import default
from store.db import create_pool
from store.read_model import ReadModel
from store.tokens import TokenStore
from tests.support.api import serving
from tests.support.cli import TEST_CODEC_KEYS
from tests.support.postgres import fresh_database

NAME = "worklist"
EVENTS_EACH = 20
CENTRE = "C13"
SEED = 15
PAGE_ROWS = 51
"""What one page reads: 50 rows and one to know whether a next page exists."""
BARE = ("SELECT patient_ref, obligation_id, rule, kind, due_on, status FROM obligations "
        "WHERE status = ANY($1::text[]) ORDER BY due_on LIMIT $2 OFFSET $3")
QUERIES = {
    "first page": "centre=C13",
    "overdue, least late first, page 20": "centre=C13&statut=overdue&tri=recent&page=20",
    "one neurologist, MRIs, due window": "centre=C13&neurologue=N14&objet=mri&du=2026-01-01&au=2027-12-31",
}


async def seed(pool, patients: int, today) -> int:
    """`patients` patients of centre C13 (two neurologists), each plan written to the read model;
    returns the obligations written."""
    ruleset = default()
    for start in range(0, patients, 500):
        async with pool.acquire() as conn, conn.transaction():
            for n in range(start, min(start + 500, patients)):
                ref = f"WL{n:06d}"
                events = []
                for data in patient_history(ref, EVENTS_EACH, today, seed=SEED):
                    if data["type"] == "care_team_assigned":
                        data.update(centre_id=CENTRE, neurologist_id="N12" if n % 2 else "N14")
                    events.append(parse_event(data))
                await ReadModel.upsert_plan_in(conn, compute_plan(ref, events, today, ruleset), 1)
    async with pool.acquire() as conn:
        # What autovacuum does within a minute of a bulk load: without statistics the planner
        # walks the due-date index once per patient of the centre (4 s a page for 10,000).
        await conn.execute("ANALYZE patients, obligations, reminders")
        return await conn.fetchval("SELECT count(*) FROM obligations")


async def timed(call, requests: int) -> list[float]:
    await call()  # warm-up: connection, template cache, query plan
    seconds = []
    for _ in range(requests):
        started = time.perf_counter()
        await call()
        seconds.append(time.perf_counter() - started)
    return seconds


async def run(args: argparse.Namespace) -> Report:
    patients = args.patients or (300 if args.quick else 10_000)
    requests = args.requests or (5 if args.quick else 30)
    report = Report(NAME, args.quick, settings={"patients": patients, "events_each": EVENTS_EACH, "centre": CENTRE,
                                                "requests_each": requests, "page_rows": PAGE_ROWS - 1})
    today = local_date(datetime.now(UTC))
    async with fresh_database() as dsn, await create_pool(dsn) as pool:
        started = time.monotonic()
        obligations = await seed(pool, patients, today)
        print(f"  seeded {patients} patients, {obligations} obligations in {time.monotonic() - started:.0f} s",
              flush=True)
        token, _ = await TokenStore(pool).create("bench-staff", "staff")
        config = AppConfig(temporal_address="127.0.0.1:1", codec_keys=TEST_CODEC_KEYS, database_url=dsn)
        configure_logging(config.log_format, "WARNING")  # one request line per timed call would drown the table
        async with serving(create_app(config, pool=pool)) as url, httpx.AsyncClient(base_url=url, timeout=60) as http:
            await _sign_in(http, token)

            async def bare(offset: int = 0):
                async with pool.acquire() as conn:
                    await conn.fetch(BARE, ["upcoming", "due", "overdue", "defaulted"], PAGE_ROWS, offset)

            baseline = await timed(bare, requests)
            figures: dict[str, Any] = {"obligations": obligations, "bare_read_ms_p50": _ms(statistics.median(baseline))}
            for label, query in QUERIES.items():
                async def page(query: str = query) -> None:
                    response = await http.get(f"/staff/liste?{query}")
                    assert response.status_code == 200, response.text[:300]

                seconds = await timed(page, requests)
                figures[label] = {"p50_ms": _ms(statistics.median(seconds)), "p95_ms": _ms(percentile(seconds, 95))}
                report.rows.append(Row(f"staff worklist page, {label} (p95; bare read p50 as baseline)", "ms",
                                       _ms(percentile(seconds, 95)), _ms(statistics.median(baseline)),
                                       higher_is_better=False, note="target: under 1,000 ms"))

            async def api_page() -> None:
                response = await http.get(f"/v1/worklist?centre={CENTRE}&limit=50",
                                          headers={"Authorization": f"Bearer {token}"})
                assert response.status_code == 200, response.text[:300]

            seconds = await timed(api_page, requests)
            report.rows.append(Row("JSON worklist GET /v1/worklist, first page (p95)", "ms",
                                   _ms(percentile(seconds, 95)), _ms(statistics.median(baseline)),
                                   higher_is_better=False))
            figures["json first page"] = {"p50_ms": _ms(statistics.median(seconds)),
                                          "p95_ms": _ms(percentile(seconds, 95))}
    report.rounds.append(figures)
    report.notes.append(f"{obligations} obligations of {patients} patients in the read model; each page reads "
                        f"{PAGE_ROWS} rows (joined with the patient, its latest reminder) and renders them")
    return report


async def _sign_in(http: httpx.AsyncClient, token: str) -> None:
    import re

    form = await http.get("/staff/connexion")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    response = await http.post("/staff/connexion", data={"csrf": csrf, "jeton": token, "suite": "/staff/liste"})
    assert response.status_code == 303, response.text[:300]


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


def options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--patients", type=int, default=0, help="followed patients (default 10,000; quick 300)")
    parser.add_argument("--requests", type=int, default=0, help="timed requests per page (default 30; quick 5)")


if __name__ == "__main__":
    bench_main(NAME, __doc__.splitlines()[0], run, options)
