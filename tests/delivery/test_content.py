from __future__ import annotations

import re

import pytest

from delivery.content import reminder_subject, reminder_text
from rulesets import EXAMPLES, default, load
from tests.delivery.builders import escalated_reminder, reminder

CATALOGUES = [default(), load(EXAMPLES / "current-therapies.yaml")]
MOLECULES = [m for ruleset in CATALOGUES for m in ruleset.molecules]
R14_INSTRUCTION = default().instructions["R14"]
FORBIDDEN = sorted(
    {m.code for m in MOLECULES} | {m.name.lower() for m in MOLECULES} | {a.lower() for m in MOLECULES for a in m.aliases}
    | {"sclerosis", "sclérose", "cis", "relapsing", "remitting", "progressive", "diagnosis"}
)


def forbidden_words_in(text: str) -> list[str]:
    lowered = text.lower()
    return [word for word in FORBIDDEN if re.search(rf"\b{re.escape(word)}\b", lowered)]


def test_text_names_the_patient_rule_obligation_kind_step_and_due_date() -> None:
    text = reminder_text(reminder())

    assert "PSN-7Q4K2" in text
    assert f"R18: {default().rule('R18').obligation}" in text
    assert "MRI" in text
    assert "(due)" in text
    assert "2027-01-05" in text
    assert "neurologist NEURO-12" in text


def test_subject_is_short_and_names_patient_rule_step_and_due_date() -> None:
    subject = reminder_subject(reminder(step="heads_up"))

    assert subject == "[Rappel parcours] heads-up: MRI (R18) due 2027-01-05, patient PSN-7Q4K2"


def test_escalated_overdue_reminder_says_so_and_lists_the_coordinator() -> None:
    message = escalated_reminder()

    assert "overdue 1, escalated" in reminder_subject(message)
    text = reminder_text(message)
    assert "Escalated: yes" in text
    assert "CRC coordinator CRC-MRS" in text


@pytest.mark.parametrize("rule", ["R11", "R12"])
def test_the_r14_instruction_the_obligation_carries_is_in_the_text(rule: str) -> None:
    message = reminder(rule=rule, obligation_id=f"treatment@2026-01-05/{rule}/mri/m12", instructions=(R14_INSTRUCTION,))
    assert R14_INSTRUCTION in reminder_text(message)


@pytest.mark.parametrize("rule", ["R12", "R13", "R18"])
def test_a_reminder_without_instructions_carries_none_whatever_its_rule(rule: str) -> None:
    # One source: the obligation (R13 under the OFSEP minimum asks a brain MRI only, no R14).
    assert "R14" not in reminder_text(reminder(rule=rule))


def test_the_last_reminder_says_it_is_the_last() -> None:
    assert "Last reminder" in reminder_text(reminder(step="overdue_6", last=True))
    assert "Last reminder" not in reminder_text(reminder(step="overdue_5"))


def test_an_unknown_rule_still_gives_a_reminder_naming_it() -> None:
    assert "Rule: R99" in reminder_text(reminder(rule="R99"))


@pytest.mark.parametrize("rule", [r.id for r in default().rules] + [m.id for m in CATALOGUES[1].monitoring])
def test_no_reminder_names_a_molecule_or_diagnosis(rule: str) -> None:
    message = reminder(rule=rule, step="overdue_3")

    assert forbidden_words_in(reminder_subject(message)) == []
    assert forbidden_words_in(reminder_text(message)) == []


def test_the_subject_does_not_name_the_disease() -> None:
    assert "SEP" not in reminder_subject(escalated_reminder())
