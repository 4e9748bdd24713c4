"""What staff read in a reminder: identifiers, the rule and dates, no other health data.

The text is built from `ReminderMessage` alone (instructions included: the obligation
carries them, so the plan and the e-mail say the same), which carries no molecule, diagnosis
or score; the obligation ids name no molecule either (see `domain/rules.py`). The
rule's `applies_to` column is left out on purpose: it names molecules (R16, R17).
"""

from __future__ import annotations

from domain.dispatch import ReminderMessage

SUBJECT_PREFIX = "[Rappel parcours]"
_ACRONYMS = {"mri": "MRI", "edss": "EDSS", "etp": "ETP", "crc": "CRC", "rcp": "RCP"}
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


def rule_line(message: ReminderMessage) -> str:
    return f"{message.rule}: {message.rule_text}" if message.rule_text else message.rule


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
        f"Rule: {rule_line(message)}",
        f"Due on: {message.due_on.isoformat()}",
    ]
    if message.escalated:
        lines.append("Escalated: yes (R19)")
    if message.recipients:
        lines.append("Sent to: " + ", ".join(f"{_ROLES.get(r.role, r.role)} {r.id}" for r in message.recipients))
    if message.last:
        lines.append("Last reminder: the obligation is now marked defaulted and gets no further message.")
    if message.instructions:  # carried by the obligation (R14 for a brain and spinal MRI order)
        lines += [""] + [f"Instruction: {instruction}" for instruction in message.instructions]
    lines += [
        "",
        f"Reminder id: {message.reminder_id}",
        "Look the patient up in the CRC SEP record; this message carries no other clinical data.",
    ]
    return "\n".join(lines) + "\n"
