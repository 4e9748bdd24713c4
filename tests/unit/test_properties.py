"""Properties of the plan as a pure function of the accepted events (`PATHWAY_RULES.md`, "Dates").

Generated histories have one event per clinical day: ties are broken by order of
receipt by contract, so shuffling same-day events may legitimately change the plan.
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from domain import ClinicalEvent
from domain.events import EventRetracted
from tests.unit import builders as b

MOLECULES = ("interferon_beta_1a", "teriflunomide", "fingolimod", "natalizumab", "ocrelizumab", "mitoxantrone", "alemtuzumab")
REGIONS = (["brain"], ["spinal"], ["brain", "spinal"])
SETTINGS = ("crc", "hospital_platform", "neurologist")
COMPONENTS = ("neurological_evaluation", "self_questionnaires", "biological_samples")
ORIGIN = date(2024, 1, 1)
KINDS = (
    "mri", "mri", "mri", "visit", "visit", "edss", "crc_informed", "validated", "validated", "etp_assessed",
    "etp_referral", "start", "switch", "stop", "mri_rhythm", "care_team", "surveillance_ended", "ghost_retraction",
    "ghost_retraction", "follow_up_ended", "diagnosis",
)

PROPERTY_SETTINGS = settings(max_examples=60, deadline=None)


def _diagnosis(draw, on: date, event_id: str) -> ClinicalEvent:
    if draw(st.booleans()):
        return b.cis(on, onset_on=on - timedelta(days=draw(st.integers(0, 300))), event_id=event_id)
    kind = draw(st.sampled_from(["relapsing_remitting", "secondary_progressive", "primary_progressive"]))
    return b.diagnosed(on, kind, event_id=event_id)


class _Treatment:
    """Keeps generated starts, switches and stops mostly consistent, so tracks and switches occur."""

    def __init__(self) -> None:
        self.current: str | None = None

    def event(self, draw, kind: str, on: date, event_id: str) -> ClinicalEvent:
        if kind == "start":
            self.current = draw(st.sampled_from(MOLECULES))
            return b.started(on, self.current, event_id=event_id)
        if kind == "switch":
            old = self.current or draw(st.sampled_from(MOLECULES))
            self.current = draw(st.sampled_from([m for m in MOLECULES if m != old]))
            return b.switched(on, old, self.current, event_id=event_id)
        stopped, self.current = self.current or draw(st.sampled_from(MOLECULES)), None
        return b.stopped(on, stopped, event_id=event_id)


def _event(draw, kind: str, on: date, event_id: str, treatment: _Treatment) -> ClinicalEvent:
    if kind in ("start", "switch", "stop"):
        return treatment.event(draw, kind, on, event_id)
    if kind == "mri":
        return b.mri(on, draw(st.sampled_from(REGIONS)), ofsep_protocol=draw(st.booleans()), event_id=event_id)
    if kind == "visit":
        components = draw(st.lists(st.sampled_from(COMPONENTS), unique=True))
        return b.visit(on, draw(st.sampled_from(SETTINGS)), components, transmitted_to_crc=draw(st.booleans()),
                       event_id=event_id)
    if kind == "edss":
        return b.edss(on, draw(st.integers(0, 20)) / 2, event_id=event_id)
    if kind == "validated":
        molecule = treatment.current if treatment.current and draw(st.booleans()) else draw(st.sampled_from(MOLECULES))
        return b.validated(on, molecule, draw(st.sampled_from(["crc_visit", "rcp_meeting"])), event_id=event_id)
    if kind == "mri_rhythm":
        return b.mri_rhythm(on, draw(st.none() | st.integers(1, 36)), event_id=event_id)
    if kind == "surveillance_ended":
        return b.surveillance_ended(on, draw(st.sampled_from(["post_mitoxantrone", "post_alemtuzumab"])), event_id=event_id)
    if kind == "diagnosis":
        return _diagnosis(draw, on, event_id)
    if kind == "ghost_retraction":
        return b.retraction(on, f"ghost-{event_id}", event_id=event_id)
    simple = {
        "crc_informed": lambda: b.crc_informed(on, event_id=event_id),
        "etp_assessed": lambda: b.etp_assessed(on, draw(st.booleans()), event_id=event_id),
        "etp_referral": lambda: b.etp_referral(on, event_id=event_id),
        "care_team": lambda: b.care_team(on, event_id=event_id),
        "follow_up_ended": lambda: b.follow_up_ended(on, event_id=event_id),
    }
    return simple[kind]()


@st.composite
def histories(draw) -> tuple[list[ClinicalEvent], date]:
    """A realistic history, one event per distinct clinical day, and an as-of date after it."""
    gaps = draw(st.lists(st.integers(1, 120), min_size=1, max_size=16))
    days, on = [], ORIGIN
    for gap in gaps:
        on += timedelta(days=gap)
        days.append(on)
    treatment = _Treatment()
    events = [_diagnosis(draw, days[0], "ev-0")]
    for i, day in enumerate(days[1:], start=1):
        events.append(_event(draw, draw(st.sampled_from(KINDS)), day, f"ev-{i}", treatment))
    as_of = days[-1] + timedelta(days=draw(st.integers(0, 500)))
    return events, as_of


@PROPERTY_SETTINGS
@given(data=st.data(), history=histories())
def test_the_plan_does_not_depend_on_the_order_of_receipt(data, history):
    events, as_of = history
    received = data.draw(st.permutations(events))
    assert b.plan_of(received, as_of) == b.plan_of(events, as_of)


@PROPERTY_SETTINGS
@given(data=st.data(), history=histories())
def test_a_duplicate_event_changes_nothing(data, history):
    events, as_of = history
    original = data.draw(st.integers(0, len(events) - 1))
    resent_at = data.draw(st.integers(original + 1, len(events)))
    with_duplicate = [*events[:resent_at], events[original], *events[resent_at:]]
    assert b.plan_of(with_duplicate, as_of) == b.plan_of(events, as_of)


@PROPERTY_SETTINGS
@given(data=st.data(), history=histories())
def test_retracting_an_event_equals_never_having_sent_it(data, history):
    events, as_of = history
    candidates = [e for e in events if not isinstance(e, EventRetracted)]
    target = data.draw(st.sampled_from(candidates))
    retracted_on = data.draw(st.dates(min_value=target.occurred_on, max_value=as_of))
    position = data.draw(st.integers(0, len(events)))
    sent = [*events[:position], b.retraction(retracted_on, target.event_id, event_id="retraction-1"), *events[position:]]
    never_sent = [e for e in events if e.event_id != target.event_id]
    assert b.plan_of(sent, as_of) == b.plan_of(never_sent, as_of)


@PROPERTY_SETTINGS
@given(history=histories(), later=st.integers(1, 400))
def test_events_after_the_as_of_date_do_not_change_the_plan(history, later):
    events, as_of = history
    future = [b.mri(as_of + timedelta(days=later), event_id="future-mri"),
              b.started(as_of + timedelta(days=later + 1), "natalizumab", event_id="future-start")]
    assert b.plan_of([*events, *future], as_of) == b.plan_of(events, as_of)


@PROPERTY_SETTINGS
@given(history=histories())
def test_obligation_ids_are_unique_and_obligations_are_ordered_by_due_date(history):
    events, as_of = history
    plan = b.plan_of(events, as_of)
    ids = [o.id for o in plan.obligations]
    assert len(ids) == len(set(ids))
    assert [o.due_on for o in plan.obligations] == sorted(o.due_on for o in plan.obligations)
    reminder_ids = [r.reminder_id for o in plan.obligations for r in o.reminders]
    assert len(reminder_ids) == len(set(reminder_ids))
