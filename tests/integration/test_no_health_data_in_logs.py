"""Logs carry identifiers, rules and dates, never health data: a full scenario's log
records (structlog and stdlib, Temporal's included) name no molecule, diagnosis or score."""

from __future__ import annotations

import json
import logging
import re

import structlog

from domain.calendar import add_days
from rulesets import default as default_ruleset
from store.reminder_log import ReminderLog
from tests.integration.scenario import Scenario
from tests.integration.staff_stack import staff_stack
from tests.support.waiting import eventually

FORBIDDEN = [*default_ruleset().molecule_codes(), "cis", "relapsing_remitting", "secondary_progressive", "primary_progressive",
             "7.5", "edss_recorded", "diagnosis_recorded", "dpi-source-text"]


STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
NOT_OURS = ("mail.log",)
"""aiosmtpd's own logger: the test's SMTP server, which receives the e-mails."""


def leaks(text: str) -> list[str]:
    lowered = text.lower()
    return [word for word in FORBIDDEN if re.search(rf"(?<![\w.]){re.escape(word)}(?![\w])", lowered)]


def stdlib_line(record: logging.LogRecord) -> str:
    extra = {k: v for k, v in vars(record).items() if k not in STANDARD}
    return record.getMessage() + " " + json.dumps(extra, default=str)


async def test_a_full_scenario_logs_no_molecule_diagnosis_or_score(env, pool, patient_ref, caplog):
    caplog.set_level(logging.DEBUG)
    with structlog.testing.capture_logs(processors=[structlog.contextvars.merge_contextvars]) as captured:
        async with staff_stack(env.client, pool) as stack:
            s = Scenario(env, stack, patient_ref)
            t0 = await s.today()
            await s.record_all([
                ("diagnosis_recorded", {"diagnosis": "relapsing_remitting", "source": "dpi-source-text"}),
                ("care_team_assigned", {"neurologist_id": "N12", "centre_id": "C13"}),
                ("edss_recorded", {"score": 7.5}),
                ("treatment_started", {"molecule": "fingolimod"}),
            ])
            await s.advance_to(add_days(t0, 31))
            await s.record("treatment_switched", from_molecule="fingolimod", to_molecule="alemtuzumab")
            await s.record("treatment_stopped", molecule="alemtuzumab")
            await eventually(lambda: ReminderLog(pool).history(patient_ref), what="reminders")
            await s.settle()

    structured = [json.dumps(entry, default=str) for entry in captured]
    stdlib = [stdlib_line(record) for record in caplog.records if not record.name.startswith(NOT_OURS)]
    assert any(patient_ref in line for line in structured), "the scenario was logged"
    assert [line for line in structured + stdlib if leaks(line)] == []
