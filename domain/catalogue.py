"""An event's codes checked against the patient's ruleset, at the intake.

Which molecules, panels and tracks exist is a centre's data (`domain.ruleset`), so the event
schema takes any code-shaped name and the intake, which knows the patient's centre, turns
names into the ruleset's codes (aliases, case- and accent-blind) or refuses the event with
the codes the centre knows, those that come close, and how a centre adds one.
"""

from __future__ import annotations

from domain.errors import EventRefused, quoted
from domain.events import (
    ClinicalEvent,
    LabTestPerformed,
    SurveillanceEnded,
    TreatmentStarted,
    TreatmentStopped,
    TreatmentSwitched,
    TreatmentValidated,
)
from domain.ruleset import Ruleset

HOW_TO_ADD = ("a centre adds one in its ruleset file (rulesets/*.yaml; check it with `pathway rules check FILE`, "
              "see docs/rulesets.md)")
MOLECULE_FIELDS = {TreatmentStarted: ("molecule",), TreatmentStopped: ("molecule",), TreatmentValidated: ("molecule",),
                   TreatmentSwitched: ("from_molecule", "to_molecule")}


def in_catalogue(event: ClinicalEvent, ruleset: Ruleset) -> ClinicalEvent:
    """The event with every molecule name replaced by its code in `ruleset`. Raises
    `EventRefused` (naming the field) for a molecule, panel or track the ruleset lacks."""
    fields = MOLECULE_FIELDS.get(type(event), ())
    changes = {name: _molecule(getattr(event, name), name, ruleset) for name in fields}
    if isinstance(event, TreatmentSwitched) and changes["from_molecule"] == changes["to_molecule"]:
        raise EventRefused("to_molecule must differ from from_molecule", field="to_molecule")
    if isinstance(event, LabTestPerformed) and event.panel not in ruleset.panel_codes():
        known = ", ".join(ruleset.panel_codes()) or "none"
        raise EventRefused(f"unknown laboratory panel {quoted(event.panel)} in ruleset {ruleset.label}; known panels: "
                           f"{known}; {HOW_TO_ADD}", field="panel")
    if isinstance(event, SurveillanceEnded) and ruleset.track(event.track) is None:
        known = ", ".join(t.code for t in ruleset.tracks)
        raise EventRefused(f"unknown surveillance track {quoted(event.track)} in ruleset {ruleset.label}; known tracks: "
                           f"{known}", field="track")
    changed = {k: v for k, v in changes.items() if getattr(event, k) != v}
    return event.model_copy(update=changed) if changed else event


def _molecule(name: str, field: str, ruleset: Ruleset) -> str:
    code = ruleset.resolve_molecule(name)
    if code is not None:
        return code
    close = ruleset.suggestions(name)
    hint = f"did you mean {' or '.join(close)}? " if close else ""
    raise EventRefused(f"unknown molecule {quoted(name)} in ruleset {ruleset.label}; {hint}known codes: "
                       f"{', '.join(ruleset.molecule_codes())}; {HOW_TO_ADD}", field=field)
