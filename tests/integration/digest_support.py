"""What the digest tests share: a centre and neurologist of their own in the staff directory
(so that one test's outbox never meets another's in the session database), the CIS patient's
first events, and running a centre's digest as its schedule would."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from pathlib import Path

from temporalio.client import Client

from contracts.pathway import DIGEST_WORKFLOW, DigestInput, DigestReport
from store.directory import Directory


async def own_centre(pool, directory: Path, patient_ref: str) -> tuple[str, str]:
    """Load a centre and its neurologist named after the patient; returns (centre_id, neurologist_id)."""
    centre, neurologist = f"C{patient_ref[-8:]}", f"N{patient_ref[-8:]}"
    path = directory / "directory.json"
    path.write_text(json.dumps({
        "centres": [{"centre_id": centre, "display_name": "CRC SEP Marseille", "coordinator_email": f"coord-{centre}@example.org",
                     "default_queue_email": f"queue-{centre}@example.org"}],
        "neurologists": [{"neurologist_id": neurologist, "display_name": "Dr A. Martin",
                          "email": f"{neurologist.lower()}@example.org", "centre_id": centre}],
    }))
    await Directory(pool).load(path)
    return centre, neurologist


def cis_first_events(centre: str, neurologist: str, diagnosed_on: date) -> list[tuple[str, dict]]:
    """A CIS diagnosis (onset a month before: R1 priority cohort) and its care team: R1's four
    items, each with a heads-up at the diagnosis."""
    return [("diagnosis_recorded", {"diagnosis": "cis", "onset_on": (diagnosed_on - timedelta(days=30)).isoformat()}),
            ("care_team_assigned", {"neurologist_id": neurologist, "centre_id": centre})]


async def run_digest(client: Client, task_queue: str, centre: str) -> DigestReport:
    """Start the centre's digest workflow as its schedule does, and wait for its report."""
    return await client.execute_workflow(
        DIGEST_WORKFLOW, DigestInput(scope=centre, timezone="Europe/Paris"), id=f"digest-{uuid.uuid4()}",
        task_queue=task_queue, result_type=DigestReport)
