"""What `pathway plan`, `sent` and `reminders` print: open obligations first, the date of the act
beside what satisfied it, closed history only on request, times in the centre's zone."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from domain.plan import OPEN_STATUSES
from pathway_cli.inputs import parse_events_text
from pathway_cli.render import centre_time, render_plan
from rulesets import default as default_ruleset
from tests.support.events import EXAMPLES
from tests.unit.builders import compute_plan


def example_plan():
    events = parse_events_text((EXAMPLES / "natalizumab-patient.json").read_text(), date(2026, 11, 30))
    return compute_plan("DEMO-0001", events, date(2026, 11, 30), default_ruleset())


def section(text: str, title: str) -> list[str]:
    """The table rows under `title (N):` (header and rule line dropped)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{title} ("))
    rows = []
    for line in lines[start + 3:]:
        if not line.strip():
            break
        rows.append(line)
    return rows


def test_the_plan_shows_open_obligations_first_by_due_date_and_hides_closed_history():
    plan = example_plan()
    shown = render_plan(plan)
    open_rows = section(shown, "open")
    opened = sorted((o for o in plan.obligations if o.status in OPEN_STATUSES), key=lambda o: o.due_on)
    assert [row.split()[0] for row in open_rows] == [o.due_on.isoformat() for o in opened]
    closed = [o for o in plan.obligations if o.status not in OPEN_STATUSES]
    assert closed, "the example has satisfied start obligations"
    assert f"{len(closed)} closed (satisfied or cancelled) not shown; --all shows them" in shown
    assert not any(o.id in shown for o in closed)


def test_all_shows_the_date_of_the_act_beside_what_satisfied_it():
    plan = example_plan()
    closed_rows = section(render_plan(plan, show_closed=True), "closed")
    r15 = next(o for o in plan.obligations if o.rule == "R15" and o.satisfied_by == "demo-nat-7")
    row = next(r for r in closed_rows if r.endswith(r15.id)).split()
    # due, status, closed on (the act), satisfied by: the act's date is not the due date
    assert row[:4] == [r15.due_on.isoformat(), "satisfied", "2026-09-01", "demo-nat-7"]
    assert r15.due_on != date(2026, 9, 1)


def test_times_are_shown_in_the_centre_time_zone():
    assert centre_time(datetime(2027, 1, 30, 7, 0, tzinfo=UTC)) == "2027-01-30T08:00:00+01:00"
    assert centre_time(datetime(2027, 7, 30, 6, 0, tzinfo=UTC)) == "2027-07-30T08:00:00+02:00"
    assert centre_time(None) == ""
    plan = example_plan()
    assert json.loads(plan.model_dump_json())["next_reminder_at"].endswith(("+01:00", "+02:00"))
