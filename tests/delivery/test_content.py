"""What staff read, rendered from the templates (`rendering.letters`): French by default, names
from the directory, each item saying what is due, since or until when, how late, what closes
it and whether it is the last reminder; never a molecule, diagnosis or score."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from domain import compute_plan
from domain.dispatch import DeliveryHistory, due_reminders
from rendering.letters import Addressee, Letter, render_letter
from rulesets import EXAMPLES, default, load
from tests.delivery.builders import escalated_reminder, reminder
from tests.unit.test_persisted_ids import CIS, CIS_EVENTS

CATALOGUES = [default(), load(EXAMPLES / "current-therapies.yaml")]
MOLECULES = [m for ruleset in CATALOGUES for m in ruleset.molecules]
R14_INSTRUCTION = default().instructions["R14"]
FORBIDDEN = sorted(
    {m.code for m in MOLECULES} | {m.name.lower() for m in MOLECULES} | {a.lower() for m in MOLECULES for a in m.aliases}
    | {"sclerosis", "sclérose", "cis", "relapsing", "remitting", "progressive", "diagnosis", "diagnostic"}
)
MARTIN = Addressee("neurologist", "N12", "Dr A. Martin")
CENTRE = "CRC SEP Marseille"


def forbidden_words_in(text: str) -> list[str]:
    lowered = text.lower()
    return [word for word in FORBIDDEN if re.search(rf"\b{re.escape(word)}\b", lowered)]


def cis_r1_items():
    """The CIS reference patient's four R1 heads-up, as the pathway chooses them on the day of
    the diagnosis (computed, not written by hand)."""
    now = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    plan = compute_plan(CIS, CIS_EVENTS, now, default())
    return due_reminders(plan, now, DeliveryHistory(), default())


CIS_DIGEST_TEXT = """\
Bonjour Dr A. Martin,

Voici le récapitulatif du 01/06/2026 pour CRC SEP Marseille : 4 éléments du parcours de soins à suivre, pour 1 patient.

== À prévoir (4) ==

Patient REF-CIS-1 — https://parcours.example.org/patients/REF-CIS-1
  - Prélèvements biologiques (règle R1)
    À réaliser au plus tard le 15/10/2026 (dans 136\u00a0jours).
    Se clôt par : une consultation avec prélèvements (visit_completed).
  - Consultation initiale au CRC (règle R1)
    À réaliser au plus tard le 15/10/2026 (dans 136\u00a0jours).
    Se clôt par : une consultation au CRC avec évaluation neurologique (visit_completed).
  - IRM (règle R1)
    À réaliser au plus tard le 15/10/2026 (dans 136\u00a0jours).
    Se clôt par : l'IRM réalisée (mri_performed).
  - Auto-questionnaires (règle R1)
    À réaliser au plus tard le 15/10/2026 (dans 136\u00a0jours).
    Se clôt par : une consultation avec auto-questionnaires (visit_completed).

Le patient est désigné par sa référence pseudonyme ; consultez son dossier au CRC SEP pour le reste.
Message automatique du suivi de parcours, CRC SEP Marseille.
"""


def test_the_cis_patients_four_r1_items_read_as_one_french_message_to_their_neurologist() -> None:
    items = cis_r1_items()
    assert [(m.rule, m.step) for m in items] == [("R1", "heads_up")] * 4

    letter = render_letter(Letter(to=MARTIN, items=items, day=date(2026, 6, 1), centre_name=CENTRE, digest=True,
                                  staff_view_url="https://parcours.example.org"))

    assert letter.subject == "[Rappel parcours] Récapitulatif du 01/06/2026 : 4 éléments à suivre, 1 patient"
    assert letter.text == CIS_DIGEST_TEXT
    assert letter.html.count("<li>") == 4
    assert '<a href="https://parcours.example.org/patients/REF-CIS-1">REF-CIS-1</a>' in letter.html


def test_without_a_staff_view_url_there_is_no_link() -> None:
    letter = render_letter(Letter(to=MARTIN, items=cis_r1_items(), day=date(2026, 6, 1), centre_name=CENTRE))
    assert "http" not in letter.text and "<a " not in letter.html


def test_an_overdue_item_says_since_when_and_how_late() -> None:
    text = render_letter(Letter(to=MARTIN, items=[reminder(step="overdue_2")], day=date(2027, 3, 6),
                                centre_name=CENTRE)).text
    assert "En retard depuis le 05/01/2027 (60\u00a0jours de retard)." in text
    assert "== En retard (1) ==" in text
    assert "Se clôt par : l'IRM réalisée (mri_performed)." in text


def test_the_last_reminder_says_the_obligation_will_be_marked_defaulted() -> None:
    last = render_letter(Letter(to=MARTIN, items=[reminder(step="overdue_6", last=True)], day=date(2027, 7, 4),
                                centre_name=CENTRE))
    assert last.subject.startswith("[Rappel parcours] Dernière relance : IRM (R18)")
    assert "DERNIÈRE RELANCE" in last.text and "marquée « abandonnée »" in last.text
    earlier = render_letter(Letter(to=MARTIN, items=[reminder(step="overdue_5")], day=date(2027, 6, 4),
                                   centre_name=CENTRE))
    assert "abandonnée" not in earlier.text


def test_an_escalation_is_headed_as_such_and_names_the_others_it_went_to() -> None:
    letter = render_letter(Letter(to=MARTIN, items=[escalated_reminder()], day=date(2027, 2, 4), centre_name=CENTRE,
                                  cc=[Addressee("crc_coordinator", "CRC-MRS", None)]))
    assert "== Relances transmises à la coordination (1) ==" in letter.text
    assert "Également adressé à : Coordination du CRC CRC-MRS." in letter.text


def test_a_person_missing_from_the_directory_is_named_by_role_and_id() -> None:
    text = render_letter(Letter(to=Addressee("neurologist", "N99"), items=[reminder()], day=date(2027, 1, 5),
                                centre_name=CENTRE)).text
    assert text.startswith("Bonjour Neurologue N99,")
    assert "À réaliser aujourd'hui, le 05/01/2027." in text


def test_english_is_available() -> None:
    letter = render_letter(Letter(to=MARTIN, items=[reminder(step="overdue_1")], day=date(2027, 2, 4),
                                  centre_name=CENTRE, locale="en"))
    assert "Overdue since Jan 5, 2027 (30 days late)." in letter.text
    assert letter.subject == "[Pathway reminder] Overdue reminder: MRI (R18), patient PSN-7Q4K2"


@pytest.mark.parametrize("rule", ["R11", "R12"])
def test_the_r14_instruction_the_obligation_carries_is_in_the_text(rule: str) -> None:
    message = reminder(rule=rule, obligation_id=f"treatment@2026-01-05/{rule}/mri/m12", instructions=(R14_INSTRUCTION,))
    letter = render_letter(Letter(to=MARTIN, items=[message], day=date(2027, 1, 5), centre_name=CENTRE))
    assert f"Consigne : {R14_INSTRUCTION}" in letter.text


def test_names_are_escaped_in_the_html_part() -> None:
    letter = render_letter(Letter(to=Addressee("neurologist", "N1", "<script>x</script>"), items=[reminder()],
                                  day=date(2027, 1, 5), centre_name="A & B"))
    assert "<script>" not in letter.html and "&lt;script&gt;" in letter.html and "A &amp; B" in letter.html


def test_a_letter_with_nothing_to_say_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one"):
        render_letter(Letter(to=MARTIN, items=[], day=date(2027, 1, 5), centre_name=CENTRE))


@pytest.mark.parametrize("rule", [r.id for r in default().rules] + [m.id for m in CATALOGUES[1].monitoring])
@pytest.mark.parametrize("locale", ["fr", "en"])
def test_no_reminder_names_a_molecule_or_diagnosis(rule: str, locale: str) -> None:
    letter = render_letter(Letter(to=MARTIN, items=[reminder(rule=rule, step="overdue_3")], day=date(2027, 4, 6),
                                  centre_name=CENTRE, locale=locale, digest=True))
    for part in (letter.subject, letter.text, letter.html):
        assert forbidden_words_in(part) == []
