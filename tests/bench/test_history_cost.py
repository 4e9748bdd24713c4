"""The benchmarks' history accounting (bench/history_cost.py) on hand-built histories: each
kind of event counts the actions Temporal Cloud's definition gives it, in our reading."""

from __future__ import annotations

from collections import Counter

from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent

from bench.history_cost import HistoryCost, cost_of, rows, sample

E = EventType


def event(event_id: int, kind: int, **attributes) -> HistoryEvent:
    e = HistoryEvent(event_id=event_id, event_type=kind)
    for name, values in attributes.items():
        getattr(e, name).SetInParent()
        for key, value in values.items():
            setattr(getattr(e, name), key, value)
    return e


def upsert(event_id: int, *names: str) -> HistoryEvent:
    e = event(event_id, E.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES)
    for name in names:
        e.upsert_workflow_search_attributes_event_attributes.search_attributes.indexed_fields[name].data = b"1"
    return e


def marker(event_id: int, task: int) -> HistoryEvent:
    return event(event_id, E.EVENT_TYPE_MARKER_RECORDED,
                 marker_recorded_event_attributes={"marker_name": "core_local_activity",
                                                   "workflow_task_completed_event_id": task})


def a_pathway_history() -> list[HistoryEvent]:
    """Started by update-with-start, two updates, three local activities over two workflow
    tasks, a timer, two upserts (one only the version attribute), an activity retried twice,
    a signal, a child workflow, continued as new."""
    return [
        event(1, E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED),
        event(2, E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED),
        event(3, E.EVENT_TYPE_WORKFLOW_TASK_STARTED),
        event(4, E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED),
        event(5, E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED),
        marker(6, task=4),
        marker(7, task=4),
        upsert(8, "PathwayStage", "PathwayNextDue"),
        event(9, E.EVENT_TYPE_TIMER_STARTED),
        event(10, E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED),
        event(11, E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED),
        event(12, E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED),
        marker(13, task=12),
        upsert(14, "TemporalChangeVersion"),
        event(15, E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED),
        event(16, E.EVENT_TYPE_ACTIVITY_TASK_STARTED,
              activity_task_started_event_attributes={"scheduled_event_id": 15, "attempt": 3}),
        event(17, E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED),
        event(18, E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED),  # still pending: one attempt
        event(19, E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED),
        event(20, E.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED),
        event(21, E.EVENT_TYPE_TIMER_FIRED),
        event(22, E.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW),
    ]


def test_each_kind_of_event_counts_the_actions_of_its_definition():
    cost = cost_of(a_pathway_history())

    assert dict(cost.actions) == {
        "workflow started": 1, "update": 2, "local activities and markers (per workflow task)": 2,
        "search attribute upsert": 1, "timer": 1, "activity attempt": 3 + 1, "signal": 1, "child workflow": 2}
    assert cost.total_actions == 14
    assert cost.runs == 1 and cost.events == 22


def test_bytes_are_the_serialized_events_and_grow_with_their_payloads():
    history = a_pathway_history()
    small = cost_of(history)
    history[4].workflow_execution_update_accepted_event_attributes.accepted_request.input.args.payloads.add(data=b"x" * 1000)

    assert small.bytes == sum(len(e.SerializeToString()) for e in a_pathway_history())
    assert cost_of(history).bytes >= small.bytes + 1000


def test_a_continued_run_counts_its_start_again_and_costs_add_up():
    first, second = cost_of(a_pathway_history()), cost_of(a_pathway_history()[:4])

    both = first + second

    assert both.runs == 2 and both.events == 26 and both.actions["workflow started"] == 2
    assert both.total_actions == first.total_actions + 1


def test_rows_divide_by_the_clinical_events_of_each_side():
    project = HistoryCost(runs=2, events=100, bytes=20_000, actions=Counter(update=10))
    bare = HistoryCost(runs=2, events=40, bytes=4_000, actions=Counter(update=10))

    events, size, actions = rows(project, 10, bare, 20, per="clinical event")

    assert (events.project, events.baseline, events.ratio) == (10.0, 2.0, 5.0)
    assert (size.project, size.baseline) == (2_000.0, 200.0)
    assert (actions.project, actions.baseline) == (1.0, 0.5)
    assert not events.higher_is_better and "clinical event" in events.measure


def test_no_unit_gives_no_figure_rather_than_a_division_by_zero():
    assert HistoryCost(events=5).per(0) == {"events": None, "bytes": None, "actions": None}


def test_the_sample_is_spread_over_the_whole_list_and_stable():
    items = [f"w{i}" for i in range(1000)]

    chosen = sample(items, 100)

    assert len(chosen) == 100 == len(set(chosen)) and chosen == sample(items, 100)
    assert chosen[0] == "w0" and chosen[-1] == "w990"
    assert sample(items[:5], 100) == items[:5]
