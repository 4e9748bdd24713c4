"""The plan as a pure function of accepted events: order, duplicates, retractions, as-of, end."""

from datetime import date

from domain import PathwaySettings, Stage, Status
from tests.unit.builders import (
    anomaly_codes,
    care_team,
    diagnosed,
    edss,
    find,
    follow_up_ended,
    mri,
    open_one,
    plan_of,
    retraction,
    started,
    stopped,
    switched,
    validated,
)


def history():
    return [
        diagnosed("2025-06-01", event_id="dx"),
        care_team("2025-06-01", event_id="team"),
        mri("2026-02-01", event_id="mri-1"),
        started("2026-03-01", "fingolimod", event_id="start"),
        validated("2026-03-01", "fingolimod", event_id="val-1"),
        edss("2026-05-01", event_id="edss-1"),
    ]


def test_a_back_dated_event_gives_the_same_plan_as_if_it_had_arrived_on_time():
    on_time = history()
    late = [on_time[0], on_time[1], on_time[3], on_time[4], on_time[5], on_time[2]]
    assert plan_of(late, "2026-06-01") == plan_of(on_time, "2026-06-01")
    assert open_one(plan_of(late, "2026-06-01"), "R18").due_on == date(2027, 2, 1)


def test_a_late_start_reorders_the_history_it_belongs_to():
    received = [diagnosed("2025-06-01"), validated("2026-03-01", "fingolimod", event_id="v"),
                started("2026-03-01", "fingolimod")]
    plan = plan_of(received, "2026-03-02")
    assert (plan.stage, plan.molecule) == (Stage.RISK_THERAPY, "fingolimod")
    assert find(plan, "R15")[0].satisfied_by == "v"


def test_a_duplicate_event_id_is_ignored_and_the_first_received_wins():
    events = history()
    resent = mri("2026-05-20", regions=["brain"], event_id="mri-1")
    plan = plan_of([*events, resent, events[5]], "2026-06-01")
    assert plan == plan_of(events, "2026-06-01")
    assert plan.events_applied == 6


def test_a_retracted_event_is_removed_as_if_it_never_came():
    events = history()
    with_retraction = [*events, retraction("2026-06-01", "mri-1")]
    without = [e for e in events if e.event_id != "mri-1"]
    assert plan_of(with_retraction, "2026-06-01") == plan_of(without, "2026-06-01")
    assert open_one(plan_of(with_retraction, "2026-06-01"), "R18").due_on == date(2027, 3, 1)


def test_a_retraction_received_before_its_event_still_removes_it():
    events = history()
    assert plan_of([retraction("2026-06-01", "edss-1"), *events], "2026-06-01") == plan_of(events[:5], "2026-06-01")


def test_a_retraction_applies_to_a_plan_as_of_a_date_before_the_retraction():
    events = [*history(), retraction("2026-06-01", "start")]
    plan = plan_of(events, "2026-04-01")
    assert (plan.stage, plan.molecule) == (Stage.UNTREATED_OTHER, None)


def test_a_retraction_can_be_shown_only_from_its_date_when_the_setting_says_so():
    settings = PathwaySettings(retractions_apply_to_past_views=False)
    events = [*history(), retraction("2026-06-01", "start")]
    assert plan_of(events, "2026-04-01", settings).molecule == "fingolimod"
    assert plan_of(events, "2026-06-01", settings).molecule is None


def test_retracting_an_unknown_event_is_reported_as_an_anomaly_and_changes_nothing_else():
    events = history()
    plan = plan_of([*events, retraction("2026-06-01", "no-such-event", event_id="r-1")], "2026-06-01")
    assert [(a.code, a.event_id) for a in plan.anomalies] == [("retraction_of_unknown_event", "r-1")]
    assert plan.model_copy(update={"anomalies": ()}) == plan_of(events, "2026-06-01")


def test_anomalies_of_retractions_do_not_depend_on_the_order_of_receipt():
    events = [*history(), retraction("2026-05-02", "ghost-1", event_id="r-1"), retraction("2026-05-03", "ghost-2", event_id="r-2")]
    plan = plan_of(events, "2026-06-01")
    assert plan_of(list(reversed(events)), "2026-06-01") == plan
    assert [(a.code, a.event_id) for a in plan.anomalies] == [
        ("retraction_of_unknown_event", "r-1"), ("retraction_of_unknown_event", "r-2"),
    ]


def test_retracting_a_retraction_is_refused_as_an_anomaly_and_the_first_retraction_holds():
    events = [diagnosed("2025-06-01"), care_team("2025-06-01"), edss("2026-05-01", event_id="edss-1"),
              retraction("2026-05-10", "edss-1", event_id="r-1"), retraction("2026-05-20", "r-1", event_id="r-2")]
    plan = plan_of(events, "2026-05-20")
    assert [(a.code, a.event_id) for a in plan.anomalies] == [("retraction_of_retraction", "r-2")]
    r6 = open_one(plan, "R6")
    assert (r6.due_on, r6.satisfied_by) == (date(2026, 6, 1), None)
    assert plan.events_applied == 2


def test_events_after_the_as_of_date_are_not_applied():
    plan = plan_of(history(), "2026-02-28")
    assert (plan.stage, plan.molecule, plan.events_applied) == (Stage.UNTREATED_OTHER, None, 3)


def test_same_day_events_are_applied_in_order_of_receipt():
    before = [diagnosed("2025-06-01"), care_team("2025-06-01"), started("2026-01-01", "fingolimod")]
    start = started("2026-03-01", "natalizumab", event_id="start")
    switch = switched("2026-03-01", "natalizumab", "ocrelizumab", event_id="switch")
    start_first = plan_of([*before, start, switch], "2026-03-01")
    switch_first = plan_of([*before, switch, start], "2026-03-01")
    assert (start_first.molecule, anomaly_codes(start_first)) == ("ocrelizumab", ["start_while_on_treatment"])
    assert (switch_first.molecule, anomaly_codes(switch_first)) == (
        "natalizumab", ["switch_from_other_molecule", "start_while_on_treatment"],
    )


def test_a_switch_fingolimod_to_ocrelizumab_changes_the_validation_rhythm_from_12_to_6_months():
    events = history()
    before = open_one(plan_of(events, "2026-06-01"), "R15")
    after_switch = [*events, switched("2026-06-01", "fingolimod", "ocrelizumab"), validated("2026-06-01", "ocrelizumab")]
    after = open_one(plan_of(after_switch, "2026-06-01"), "R15")
    assert (before.molecule, before.due_on) == ("fingolimod", date(2027, 3, 1))
    assert (after.molecule, after.due_on) == ("ocrelizumab", date(2026, 12, 1))


def test_follow_up_ended_cancels_open_obligations_and_reports_the_reason():
    plan = plan_of([*history(), follow_up_ended("2026-06-01", "moved_away")], "2026-07-01")
    assert (plan.ended, plan.molecule) == ("moved_away", None)
    assert plan.open_obligations() == []
    assert {o.rule for o in find(plan, status=Status.CANCELLED) if o.cancelled_on == date(2026, 6, 1)} == {"R8", "R15", "R18"}
    assert plan.next_reminder_at is None


def test_events_after_the_end_of_follow_up_are_reported_and_reopen_nothing():
    events = [*history(), follow_up_ended("2026-06-01", "moved_away"), edss("2026-07-01", event_id="late")]
    plan = plan_of(events, "2026-08-01")
    assert (plan.stage, plan.molecule, plan.tracks, plan.ended) == (Stage.RISK_THERAPY, None, (), "moved_away")
    assert plan.open_obligations() == []
    assert [(a.code, a.event_id) for a in plan.anomalies] == [("event_after_follow_up_end", "late")]


def test_stopping_an_induction_therapy_then_ending_follow_up_closes_the_track():
    events = [started("2025-01-10", "alemtuzumab"), stopped("2026-01-15", "alemtuzumab"),
              follow_up_ended("2026-06-01", "deceased")]
    plan = plan_of(events, "2026-07-01")
    assert (plan.tracks, plan.ended) == ((), "deceased")
    assert plan.open_obligations() == []
