"""The event contract as integrators read it in `/docs` and `/redoc`: the API's description
(every event type, its fields, the rules a schema cannot carry) and the request body's
examples, one per event type. All generated from the domain's event models and the rulesets in
force (their molecule and panel codes, per centre), so the document cannot drift from what the
API validates."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from api.models import MAX_BATCH
from domain.events import EARLIEST_CLINICAL_DATE, ClinicalEvent
from domain.ruleset import RulesetRegistry

COMMON_FIELDS = ("event_id", "patient_ref", "type", "occurred_on", "source")


def event_models() -> tuple[type[BaseModel], ...]:
    return ClinicalEvent.__origin__.__args__  # type: ignore[attr-defined]


def _type_of(model: type[BaseModel]) -> str:
    return model.model_fields["type"].default


def _first_sentence(model: type[BaseModel]) -> str:
    text = " ".join((model.__doc__ or "").split())
    return text.split(". ")[0].rstrip(".") + "."


def _fields(model: type[BaseModel]) -> str:
    own = [(name, field) for name, field in model.model_fields.items() if name not in COMMON_FIELDS]
    if not own:
        return "none"
    return ", ".join(f"`{name}`" + ("" if field.is_required() else " (optional)") for name, field in own)


def event_table() -> str:
    rows = [f"| `{_type_of(m)}` | {_first_sentence(m)} | {_fields(m)} |" for m in event_models()]
    return "\n".join(["| `type` | what it records | its own fields |", "|---|---|---|", *rows])


def codes_in_force(rulesets: RulesetRegistry) -> str:
    """Markdown: each ruleset in force, the centres that run it, its molecule codes (with the
    names and aliases also accepted) and its laboratory panels."""
    centres: dict[str, list[str]] = {}
    for centre, ruleset in sorted(rulesets.by_centre.items()):
        centres.setdefault(ruleset.reference, []).append(f"`{centre}`")
    blocks = []
    for ruleset in rulesets.in_force():
        who = ", ".join(centres.get(ruleset.reference, []))
        scope = ("the default, for centres not listed" + (f", and for {who}" if who else "")
                 if ruleset is rulesets.default else f"for {who}")
        molecules = "; ".join(f"`{m.code}`" + (f" (also {', '.join(m.aliases)})" if m.aliases else "")
                              for m in ruleset.molecules)
        panels = ", ".join(f"`{code}`" for code in ruleset.panel_codes()) or "none"
        blocks.append(f"* Ruleset `{ruleset.reference}`, {scope}:\n  * molecules: {molecules};\n"
                      f"  * laboratory panels (`lab_test_performed`): {panels}.")
    return "\n".join(blocks)


def description(rulesets: RulesetRegistry) -> str:
    """The API's description (markdown): who calls what, then the whole event contract, with the
    codes of `rulesets` (the rulesets this process runs)."""
    zone = rulesets.default.settings.timezone
    return f"""\
Keeps multiple-sclerosis patients on their CRC SEP follow-up pathway.

* **Integration services** (token role `integration`) post clinical events to `POST /v1/events`.
* **Staff tools** (token role `staff`) read plans, events, reminders and the worklist.

Every `/v1` call needs `Authorization: Bearer <token>` (`pathway token create`). Errors are
`application/problem+json` (RFC 9457) with an `errors` list naming each bad field.

## The event contract

`POST /v1/events` takes one event, or `{{"events": [...]}}` with up to {MAX_BATCH:,} events of one or many
patients. An event is a JSON object with the fields every event has:

* `event_id`: your unique id for the event (1 to 128 characters), its idempotency key;
* `patient_ref`: the patient's pseudonymous reference, never a name (1 to 64 letters, digits, `.`, `_`, `-`,
  starting with a letter or a digit);
* `type`: one of the types below;
* `occurred_on`: the date of the clinical act, `YYYY-MM-DD`;
* `source` (optional): the system it comes from;

and the fields of its type. Each type's schema below (`DiagnosisRecorded`, `TreatmentStarted`, …) describes
every field and has an example; the request body of `POST /v1/events` lists one example per type.

{event_table()}

**Rules the validation applies** (a request breaking one is refused with `422`, naming each bad field and, in a
batch, the event's index; nothing of it is recorded):

* Strict JSON types: booleans are `true`/`false`, numbers are numbers, dates are `YYYY-MM-DD` strings; no
  field outside the type's own, no key twice in an object.
* `occurred_on` is not after today in the centre's time zone ({zone}) and not before
  {EARLIEST_CLINICAL_DATE.isoformat()}; `onset_on` is not after `occurred_on`.
* `diagnosis_recorded` with `diagnosis: "cis"` requires `onset_on`.
* `molecule`, `from_molecule` and `to_molecule` are codes of the patient's ruleset (its centre's, from its
  `care_team_assigned`, else the deployment's default), or a name or alias of one (a brand name), which is
  recorded as the code; `to_molecule` differs from `from_molecule`. `panel` is a laboratory panel of that
  ruleset. An unknown code is refused with the codes that came close and how a centre adds one. In force here:

{codes_in_force(rulesets)}
* `regions` and `components` name each value once; `regions` names at least one.

**What happens to accepted events**:

* Each patient's events are stored all or nothing, in the event store (the system of record), then handed to
  the patient's pathway. The answer is the patient's new plan summary (`201`), or the plan the stored events
  give when the pathway did not answer in time (`202`, `delivery: "pending"`: taken later, nothing to resend).
* Sending an event again (same `event_id`, same content) is a duplicate that changes nothing (`200` when every
  event of the request was one). The same `event_id` with other content, for this patient or another, is refused
  (`409`, `event-id-conflict`).
* A well-formed but clinically inconsistent event (a stop without a start, a switch from another drug) is
  accepted and shown as an anomaly on the plan, for staff to fix.
* `follow_up_ended` ends the pathway: every later event for the patient is refused (`409`, `pathway-ended`), in
  the same batch as in later requests, except the `event_retracted` naming that end, which reopens it.
* `event_retracted` makes the plan as if the retracted event had never come.
"""


def request_examples() -> dict[str, dict[str, Any]]:
    """OpenAPI `examples` of the request body: one per event type, then a batch."""
    examples: dict[str, dict[str, Any]] = {}
    for model in event_models():
        value = model.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]
        examples[_type_of(model)] = {"summary": _type_of(model), "description": _first_sentence(model),
                                     "value": _ordered(value)}
    batch = [_ordered({**examples[t]["value"], "event_id": f"lab-2026-00012{i}"})
             for i, t in enumerate(("diagnosis_recorded", "care_team_assigned", "treatment_started"), 1)]
    examples["batch"] = {"summary": "a batch", "description": f"{{\"events\": [...]}}: up to {MAX_BATCH:,} events "
                         "of one or many patients", "value": {"events": batch}}
    return examples


def _ordered(value: dict[str, Any]) -> dict[str, Any]:
    """The common fields first, as integrators write them."""
    return {**{k: value[k] for k in COMMON_FIELDS if k in value}, **{k: v for k, v in value.items() if k not in COMMON_FIELDS}}
