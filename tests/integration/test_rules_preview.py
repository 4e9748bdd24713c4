"""`pathway rules check | diff | preview` as users run them, the preview on a store of its own
(it reads every patient of a centre)."""

from __future__ import annotations

import asyncio
import json
from datetime import date, timedelta

from domain.calendar import add_months
from domain.events import parse_event
from pathway_cli.rules_commands import schema
from rulesets import DEFAULT_FILE, EXAMPLES
from store.db import create_pool
from store.event_store import EventStore
from tests.support.cli import run_cli
from tests.support.postgres import fresh_database

THERAPIES = EXAMPLES / "current-therapies.yaml"
DOCS_SCHEMA = DEFAULT_FILE.parent.parent / "docs" / "ruleset.schema.json"


def history(ref: str, centre: str, molecule: str, start: date, stop: date | None = None) -> list:
    items = [("diagnosis_recorded", start - timedelta(days=60), {"diagnosis": "relapsing_remitting"}),
             ("care_team_assigned", start - timedelta(days=60), {"neurologist_id": "N12", "centre_id": centre}),
             ("treatment_started", start, {"molecule": molecule})]
    if stop:
        items.append(("treatment_stopped", stop, {"molecule": molecule}))
    return [parse_event({"event_id": f"{ref}-{n}", "patient_ref": ref, "type": t, "occurred_on": on.isoformat(), **f})
            for n, (t, on, f) in enumerate(items, 1)]


async def test_a_preview_reports_what_a_new_ruleset_adds_for_the_centres_patients(tmp_path):
    today = date.today()
    start = today - timedelta(days=200)
    async with fresh_database() as dsn, await create_pool(dsn) as pool:
        store = EventStore(pool)
        for ref, centre, molecule, stop in (("PV-1", "C13", "natalizumab", None), ("PV-2", "C13", "alemtuzumab", start + timedelta(days=3)),
                                            ("PV-3", "C13", "teriflunomide", None), ("PV-4", "C06", "natalizumab", None)):
            await store.append(ref, history(ref, centre, molecule, start, stop))

        answer = await asyncio.to_thread(run_cli, "rules", "preview", str(THERAPIES), "--centre", "C13", "--json",
                                         env={"DATABASE_URL": dsn})

    assert answer.returncode == 0, answer.stderr
    report = json.loads(answer.stdout)
    assert (report["centre"], report["patients"], report["affected"]) == ("C13", 3, 2)
    assert report["new"].startswith("current-therapies-example/2026-11.1@")
    assert report["current"] == [f"crc-sep-marseille/2026-11.1@{_hash()}"]
    assert report["added"] == {"L1 lab_test": 1, "L3 lab_test": 1, "L4 lab_test": 1, "L5 lab_test": 1, "L6 lab_test": 1}
    assert report["removed"] == {} and report["moved"] == {}
    assert report["examples"]["added: L1 lab_test"] == [
        f"PV-1 treatment@{start.isoformat()}/L1/lab_test/1 (due {add_months(start, 6).isoformat()})"]
    # The serology is due in 6 months (not yet); the monthly labs after the stop are overdue at once.
    assert sum(n for key, n in report["reminders_new"].items() if key.startswith(("L3", "L4", "L5"))) == 3


async def test_check_names_the_file_line_and_field_and_diff_lists_the_rows(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(DEFAULT_FILE.read_text().replace("overdue_every_days: 30", "overdue_every_days: zero"))

    good = await asyncio.to_thread(run_cli, "rules", "check", str(THERAPIES))
    bad = await asyncio.to_thread(run_cli, "rules", "check", str(broken))
    diff = await asyncio.to_thread(run_cli, "rules", "diff", str(DEFAULT_FILE), str(THERAPIES))

    assert good.returncode == 0 and "ok, current-therapies-example/2026-11.1@" in good.stdout
    assert bad.returncode == 1 and f"{broken}:" in bad.stderr and "settings.overdue_every_days" in bad.stderr
    assert diff.returncode == 0
    assert "  molecules: + ofatumumab (name=Ofatumumab, line=risk, validation_every_months=6" in diff.stdout
    assert "  monitoring: + L1 (molecule=natalizumab, panel=anti_jcv_serology" in diff.stdout


def test_the_published_json_schema_is_the_one_the_loader_validates_with():
    assert json.loads(DOCS_SCHEMA.read_text()) == schema(), "run: pathway rules schema > docs/ruleset.schema.json"


def _hash() -> str:
    from rulesets import default

    return default().content_hash
