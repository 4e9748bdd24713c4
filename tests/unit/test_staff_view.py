"""The timeline picture and the simulation's French page (`staff_view`): what the SVG says,
read back as XML, for the example natalizumab patient."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from datetime import date
from pathlib import Path

from domain.events import EVENT_TYPES
from domain.plan import Stage
from domain.ruleset import single
from pathway_cli.inputs import parse_events_text
from rendering.labels import label as word
from rulesets import default as default_ruleset
from service.simulation import simulate_patient
from staff_view.simulation_page import simulation_page, simulation_timeline
from staff_view.timeline import render_svg

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "natalizumab-patient.json"
SVG = "{http://www.w3.org/2000/svg}"


def simulated(compliant: bool = True):
    events = parse_events_text(EXAMPLE.read_text(), date.max)
    return simulate_patient(events, single(default_ruleset()), years=3, compliant=compliant)


def titles(svg: str) -> list[str]:
    return [t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}title")]


def test_the_timeline_shows_six_monthly_validations_and_yearly_mris_with_their_reminder_rungs():
    svg = render_svg(simulation_timeline(simulated(), today=date(2026, 11, 30)))
    said = titles(svg)
    rungs = Counter(t.split(" (")[0] for t in said if "envoyé le" in t)
    assert rungs == {"Préavis R15": 5, "Échéance R15": 4, "Préavis R18": 2, "Échéance R18": 2}
    done = sorted(t.split("réalisé le ")[1] for t in said if t.startswith("R15") and "réalisé le" in t)
    assert done == ["01/03/2027", "01/03/2028", "01/09/2026", "01/09/2027", "01/09/2028", "02/03/2026"]
    mri = sorted(t.split("réalisé le ")[1] for t in said if t.startswith("R18") and "réalisé le" in t)
    assert mri == ["20/02/2027", "20/02/2028"]
    assert "Aujourd'hui, 30/11/2026" in said
    assert said[0] == "Parcours simulé du patient DEMO-0001, du 12/01/2026 au 12/01/2029"


def test_the_picture_is_labelled_for_screen_readers_and_shows_stages_in_french():
    root = ET.fromstring(render_svg(simulation_timeline(simulated())))
    assert root.get("role") == "img" and root.get("aria-labelledby") == "tl-title tl-desc"
    assert root.find(f"{SVG}desc") is not None
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "Traitement à risque" in texts and "R15 · Validation du traitement" in texts


def test_a_non_compliant_patient_s_timeline_shows_escalation_and_defaulted_obligations():
    said = titles(render_svg(simulation_timeline(simulated(compliant=False))))
    assert sum("abandonné (plus de relance) le" in t for t in said) == 2
    assert sum(t.startswith("Relance transmise à la coordination du CRC") for t in said) == 2


def test_the_simulation_page_is_french_printable_html_with_the_timeline_inline():
    page = simulation_page(simulated())
    assert page.startswith("<!doctype html>") and '<html lang="fr">' in page
    assert "Simulation du parcours du patient DEMO-0001" in page and "@media print" in page
    assert "<svg" in page and "Rappels, dans l'ordre d'envoi" in page
    assert "Neurologue N12, Coordination du CRC C13" in page


def test_every_stage_and_event_type_has_french_words():
    assert all(word(s.value, "stage") != s.value for s in Stage)
    assert all(word(t, "event") != t for t in EVENT_TYPES)
