"""What a new ruleset would do to the patients already followed, before a centre adopts it
(`pathway rules preview NEW [--centre C]`).

For every patient of the centre (from the event store, the system of record), the plan on
the adoption day under the ruleset the patient runs now and under NEW, compared obligation
by obligation: open ones added, removed (gone or cancelled) and moved (another due date),
counted by rule and kind with a few examples; and the reminders NEW would send on the day
after adoption, beside those the current ruleset would send that day.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from domain.dispatch import DeliveryHistory, due_reminders
from domain.events import ClinicalEvent
from domain.history import centre_of
from domain.plan import OPEN_STATUSES, Obligation, Plan
from domain.planner import compute_plan
from domain.ruleset import Ruleset, RulesetRegistry
from store.event_store import EventStore

PAGE = 500
EXAMPLES = 3
NOTHING_SENT = DeliveryHistory()


class PreviewReport(BaseModel):
    centre: str | None
    """None: the patients on the deployment's default ruleset."""
    current: list[str]
    """The rulesets the patients run now (`id/version@hash`)."""
    new: str
    adoption_day: date
    patients: int = 0
    affected: int = 0
    """Patients whose open obligations or next-day reminders differ."""
    added: dict[str, int] = Field(default_factory=dict)
    """`rule kind` -> open obligations NEW adds."""
    removed: dict[str, int] = Field(default_factory=dict)
    moved: dict[str, int] = Field(default_factory=dict)
    examples: dict[str, list[str]] = Field(default_factory=dict)
    reminders_new: dict[str, int] = Field(default_factory=dict)
    """`rule kind step` -> reminders NEW would send on the day after adoption."""
    reminders_current: int = 0
    seconds: float = 0.0


async def preview(events: EventStore, registry: RulesetRegistry, new: Ruleset, centre: str | None, today: date,
                  progress: Callable[[int, int], None] | None = None) -> PreviewReport:
    """`today` is the adoption day; the reminders are those of the next day, at its reminder hour."""
    started = time.monotonic()
    refs = [ref async for ref in events.patients_of_centre(centre)]
    report = PreviewReport(centre=centre, current=[], new=new.reference, adoption_day=today)
    current_seen: dict[str, None] = {}
    counters = {name: Counter() for name in ("added", "removed", "moved", "reminders_new")}
    examples: dict[str, list[str]] = {}
    for start in range(0, len(refs), PAGE):
        page = refs[start:start + PAGE]
        for ref, stored in (await events.of_patients(page)).items():
            if centre is None and centre_of(stored) in registry.by_centre:
                continue  # the default's patients only: a centre with its own ruleset keeps it
            current = registry.for_centre(centre_of(stored))
            current_seen.setdefault(current.reference)
            changed = _compare(ref, stored, current, new, today, counters, examples, report)
            report.patients += 1
            report.affected += changed
        if progress is not None:
            progress(min(start + PAGE, len(refs)), len(refs))
    report.current = list(current_seen)
    for name, counter in counters.items():
        setattr(report, name, dict(sorted(counter.items())))
    report.examples = examples
    report.seconds = round(time.monotonic() - started, 2)
    return report


def _compare(ref: str, stored: list[ClinicalEvent], current: Ruleset, new: Ruleset, today: date,
             counters: dict[str, Counter], examples: dict[str, list[str]], report: PreviewReport) -> bool:
    before, after = compute_plan(ref, stored, today, current), compute_plan(ref, stored, today, new)
    old_open, new_all = _open(before), {o.id: o for o in after.obligations}
    new_open = _open(after)
    changed = False
    for oid, o in new_open.items():
        if oid not in old_open:
            changed |= _count("added", o, ref, f"due {o.due_on}", counters, examples)
        elif old_open[oid].due_on != o.due_on:
            changed |= _count("moved", o, ref, f"{old_open[oid].due_on} -> {o.due_on}", counters, examples)
    for oid, o in old_open.items():
        if oid not in new_open:
            fate = "cancelled" if oid in new_all else "gone"
            changed |= _count("removed", o, ref, f"due {o.due_on}, {fate}", counters, examples)
    sent_new = _next_day_reminders(after, new, today, catch_up=set(new_open) - set(old_open))
    sent_old = _next_day_reminders(before, current, today, catch_up=set())
    for step in sent_new:
        counters["reminders_new"][step] += 1
    report.reminders_current += len(sent_old)
    return changed or sorted(sent_new) != sorted(sent_old)


def _open(plan: Plan) -> dict[str, Obligation]:
    return {o.id: o for o in plan.obligations if o.status in OPEN_STATUSES}


def _count(category: str, o: Obligation, ref: str, detail: str, counters: dict[str, Counter],
           examples: dict[str, list[str]]) -> bool:
    key = f"{o.rule} {o.kind.value}"
    counters[category][key] += 1
    shown = examples.setdefault(f"{category}: {key}", [])
    if len(shown) < EXAMPLES:
        shown.append(f"{ref} {o.id} ({detail})")
    return True


def _next_day_reminders(plan: Plan, ruleset: Ruleset, today: date, catch_up: set[str]) -> list[str]:
    """`rule kind step` of the reminders the ruleset sends on the day after `today`, at its hour:
    the rungs of that day, and for the obligations in `catch_up` (new ones) the latest rung
    already passed, which a pathway sends at its first settle under the new ruleset."""
    settings = ruleset.settings
    zone = ZoneInfo(settings.timezone)
    moment = datetime.combine(today + timedelta(days=1), settings.reminder_time, tzinfo=zone)
    sent = [m for m in due_reminders(plan, moment + timedelta(minutes=1), NOTHING_SENT, ruleset)
            if m.scheduled_at.astimezone(zone).date() == moment.date() or m.obligation_id in catch_up]
    return [f"{m.rule} {m.kind} {m.step}" for m in sent]
