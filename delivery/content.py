"""What staff read in a reminder: identifiers, the rule and dates, no other health data.

The text is built from `ReminderMessage` alone, which carries no molecule, diagnosis
or score; the obligation ids name no molecule either (see `domain/rules.py`). The
rule's `applies_to` column is left out on purpose: it names molecules (R16, R17).
"""

from __future__ import annotations

from domain.ruleset import R14_INSTRUCTION, RULE_BY_ID
from workflows.messages import ReminderMessage

SUBJECT_PREFIX = "[Rappel parcours]"
_ACRONYMS = {"mri": "MRI", "edss": "EDSS", "etp": "ETP", "crc": "CRC", "rcp": "RCP"}
_R14_RULES = frozenset({"R12", "R13"})
_ROLES = {"neurologist": "neurologist", "crc_coordinator": "CRC coordinator", "default_queue": "default queue"}


def kind_label(kind: str) -> str:
    return " ".join(_ACRONYMS.get(word, word) for word in kind.split("_"))


def step_label(message: ReminderMessage) -> str:
    step = message.step
    if step == "heads_up":
        label = "heads-up"
    elif step.startswith("overdue_"):
        label = f"overdue {step.removeprefix('overdue_')}"
    else:
        label = step
    return f"{label}, escalated" if message.escalated else label


def rule_line(rule_id: str) -> str:
    rule = RULE_BY_ID.get(rule_id)
    return f"{rule_id}: {rule.obligation}" if rule else rule_id


def reminder_subject(message: ReminderMessage) -> str:
    return (
        f"{SUBJECT_PREFIX} {step_label(message)}: {kind_label(message.kind)} ({message.rule}) "
        f"due {message.due_on.isoformat()}, patient {message.patient_ref}"
    )


def reminder_text(message: ReminderMessage) -> str:
    lines = [
        f"Follow-up reminder ({step_label(message)})",
        "",
        f"Patient (pseudonymous reference): {message.patient_ref}",
        f"Obligation: {kind_label(message.kind)} [{message.obligation_id}]",
        f"Rule: {rule_line(message.rule)}",
        f"Due on: {message.due_on.isoformat()}",
    ]
    if message.escalated:
        lines.append("Escalated: yes (R19)")
    if message.recipients:
        lines.append("Sent to: " + ", ".join(f"{_ROLES.get(r.role, r.role)} {r.id}" for r in message.recipients))
    if message.rule in _R14_RULES and message.kind == "mri":
        lines += ["", f"Instruction for the MRI order: {R14_INSTRUCTION}"]
    lines += [
        "",
        f"Reminder id: {message.reminder_id}",
        "Look the patient up in the CRC SEP record; this message carries no other clinical data.",
    ]
    return "\n".join(lines) + "\n"
