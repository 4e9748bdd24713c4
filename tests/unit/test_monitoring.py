"""Per-molecule monitoring rows of a ruleset (Ruleset.monitoring): laboratory panels every N
months on a molecule, or for M months after it is stopped, satisfied by lab_test_performed."""

from datetime import date

from domain.calendar import add_months
from domain.plan import ObligationKind, Status
from rulesets import EXAMPLES, load
from tests.unit.builders import care_team, diagnosed, event, find, follow_up_ended, plan_of, started, stopped

THERAPIES = load(EXAMPLES / "current-therapies.yaml")
START = date(2025, 3, 1)


def lab(on, panel: str):
    return event("lab_test_performed", on, panel=panel)


def lab_items(plan, rule: str):
    return [o for o in plan.obligations if o.rule == rule]


def test_a_natalizumab_patient_gets_an_anti_jcv_serology_every_six_months_satisfied_by_the_test():
    events = [diagnosed("2025-01-10"), care_team("2025-01-10"), started(START, "natalizumab"),
              lab("2025-08-20", "anti_jcv_serology")]
    plan = plan_of(events, "2026-03-15", THERAPIES)

    items = lab_items(plan, "L1")
    assert [(o.kind, o.panel, o.due_on, o.status) for o in items] == [
        (ObligationKind.LAB_TEST, "anti_jcv_serology", add_months(START, 6), Status.SATISFIED),
        (ObligationKind.LAB_TEST, "anti_jcv_serology", add_months(date(2025, 8, 20), 6), Status.OVERDUE),
    ]
    assert items[0].satisfied_by == events[-1].event_id
    assert all("natalizumab" not in o.id for o in items), "ids name no molecule"


def test_the_default_ruleset_asks_no_laboratory_monitoring():
    events = [diagnosed("2025-01-10"), care_team("2025-01-10"), started(START, "natalizumab")]
    assert find(plan_of(events, "2026-03-15"), kind="lab_test") == []


def test_alemtuzumab_labs_are_monthly_for_48_months_after_the_stop_and_thyroid_quarterly():
    stop = date(2025, 6, 1)
    events = [diagnosed("2025-01-10"), care_team("2025-01-10"), started(START, "alemtuzumab"), stopped(stop, "alemtuzumab")]

    during = plan_of(events, "2025-05-01", THERAPIES)
    later = plan_of(events, "2029-12-01", THERAPIES)

    assert find(during, kind="lab_test") == [], "nothing before the stop"
    blood = lab_items(later, "L3")
    thyroid = lab_items(later, "L6")
    assert blood[0].due_on == add_months(stop, 1) and thyroid[0].due_on == add_months(stop, 3)
    # Nobody did the tests: the chain stays on its first open instance, which is overdue.
    assert [o.status for o in blood] == [Status.DEFAULTED]


def test_monthly_labs_done_on_time_run_until_48_months_after_the_stop_and_stop_there():
    stop = date(2025, 6, 1)
    tests = [lab(add_months(stop, n), p) for n in range(1, 49) for p in ("blood_count_differential",)]
    events = [diagnosed("2025-01-10"), care_team("2025-01-10"), started(START, "alemtuzumab"),
              stopped(stop, "alemtuzumab"), *tests]

    blood = lab_items(plan_of(events, "2030-01-01", THERAPIES), "L3")

    assert len(blood) == 48 and all(o.status is Status.SATISFIED for o in blood)
    assert blood[-1].due_on == add_months(stop, 48)


def test_the_end_of_follow_up_is_not_a_stop():
    events = [diagnosed("2025-01-10"), care_team("2025-01-10"), started(START, "alemtuzumab"),
              follow_up_ended("2025-06-01")]
    assert find(plan_of(events, "2026-01-01", THERAPIES), kind="lab_test") == []
