from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from domain.dispatch import ReminderMessage, rule_text
from domain.plan import Recipient
from rulesets import default as default_ruleset


def reminder(**changes: Any) -> ReminderMessage:
    fields: dict[str, Any] = {
        "reminder_id": "3f2a9c0d4b1e4f6a8c7d5e3b2a190f8e",
        "patient_ref": "PSN-7Q4K2",
        "obligation_id": "treatment@2026-01-05/R18/mri/2",
        "rule": "R18",
        "kind": "mri",
        "step": "due",
        "due_on": date(2027, 1, 5),
        "scheduled_at": datetime(2027, 1, 5, 8, 0, tzinfo=UTC),
        "escalated": False,
        "recipients": (Recipient(role="neurologist", id="NEURO-12"),),
    }
    fields.update(changes)
    fields.setdefault("rule_text", rule_text(default_ruleset(), fields["rule"]))
    return ReminderMessage(**fields)


def escalated_reminder() -> ReminderMessage:
    return reminder(
        step="overdue_1", escalated=True,
        recipients=(Recipient(role="neurologist", id="NEURO-12"), Recipient(role="crc_coordinator", id="CRC-MRS")),
    )
