"""What a benchmark's workflows cost Temporal: history events, history bytes and Temporal
Cloud billable actions, counted from the histories fetched after the run.

Actions follow Temporal Cloud's definition, https://docs.temporal.io/cloud/actions
(temporalio/documentation, docs/evaluate/temporal-cloud/actions.mdx, read 2026-12-01).
What a history shows is counted; where the page leaves a choice, our reading:
- workflow started: each run's `WorkflowExecutionStarted` (a client start, update-with-start's
  start, a continue-as-new's next run, a child's start); the runs a workflow continued from are
  fetched too (`fetch_runs`), so a continue-as-new counts as a start;
- update: each `WorkflowExecutionUpdateAccepted` (de-duplicated updates leave none; rejected
  updates leave none either and are not counted: we never reject one);
- signal: each `WorkflowExecutionSignaled` received (a signal a workflow sends is counted where
  it is received, never twice);
- activity: each attempt, i.e. the `attempt` of its `ActivityTaskStarted` (1 + retries), or 1
  when it never started;
- local activities and other markers: the page counts all `RecordMarker`s of one workflow task
  as one action, so one action per distinct `workflow_task_completed_event_id` among markers
  (the settle is a local activity; its retries inside one task are not in history and so not
  counted, nor the workflow task heartbeats of a long one);
- timer started, search attribute upsert (except one touching only `TemporalChangeVersion`),
  execution options updated: one each;
- child workflow: two (its start and its execution).
Queries, activity heartbeats and schedules leave no history event and are not counted (none of
the benchmarks queries; the digest schedule is not in them).

Shapes: `cost_of(events)` -> `HistoryCost`; `fetch_runs(client, workflow_id)` -> every run's
events, oldest first; `measure(client, workflow_ids)` -> the summed `HistoryCost`.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client

from bench.common import Row

VERSION_ATTRIBUTE = "TemporalChangeVersion"
ONE_ACTION = {
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED: "workflow started",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED: "update",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED: "signal",
    EventType.EVENT_TYPE_TIMER_STARTED: "timer",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_OPTIONS_UPDATED: "options updated",
}
FETCH_CONCURRENCY = 8


@dataclass
class HistoryCost:
    """Summed over the runs counted: `events` (history events), `bytes` (serialized event
    bytes as fetched; the server's `history_size_bytes` counts the same protobufs), `actions`
    by category (see the module)."""

    runs: int = 0
    events: int = 0
    bytes: int = 0
    actions: Counter[str] = field(default_factory=Counter)

    @property
    def total_actions(self) -> int:
        return sum(self.actions.values())

    def __add__(self, other: HistoryCost) -> HistoryCost:
        return HistoryCost(self.runs + other.runs, self.events + other.events, self.bytes + other.bytes,
                           self.actions + other.actions)

    def per(self, units: float) -> dict[str, float | None]:
        """Events, bytes and actions per unit (clinical event, patient-year...); None for none."""
        if not units:
            return {"events": None, "bytes": None, "actions": None}
        return {"events": self.events / units, "bytes": self.bytes / units, "actions": self.total_actions / units}

    def as_json(self) -> dict[str, object]:
        return {"runs": self.runs, "events": self.events, "bytes": self.bytes, "actions": self.total_actions,
                "actions_by_kind": dict(sorted(self.actions.items()))}


def _only_version(event: HistoryEvent) -> bool:
    fields = event.upsert_workflow_search_attributes_event_attributes.search_attributes.indexed_fields
    return set(fields) == {VERSION_ATTRIBUTE}


def cost_of(events: Sequence[HistoryEvent]) -> HistoryCost:
    """The cost of one run's history (its events in order)."""
    actions: Counter[str] = Counter()
    attempts = {e.activity_task_started_event_attributes.scheduled_event_id:
                e.activity_task_started_event_attributes.attempt
                for e in events if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED}
    marker_tasks: set[int] = set()
    for e in events:
        kind = e.event_type
        if kind in ONE_ACTION:
            actions[ONE_ACTION[kind]] += 1
        elif kind == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            actions["activity attempt"] += max(1, attempts.get(e.event_id, 1))
        elif kind == EventType.EVENT_TYPE_MARKER_RECORDED:
            marker_tasks.add(e.marker_recorded_event_attributes.workflow_task_completed_event_id)
        elif kind == EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES and not _only_version(e):
            actions["search attribute upsert"] += 1
        elif kind == EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
            actions["child workflow"] += 2
    if marker_tasks:
        actions["local activities and markers (per workflow task)"] = len(marker_tasks)
    return HistoryCost(runs=1, events=len(events), bytes=sum(e.ByteSize() for e in events), actions=actions)


async def fetch_runs(client: Client, workflow_id: str) -> list[list[HistoryEvent]]:
    """Every run of the workflow's chain, oldest first: the latest run, then the runs it
    continued from (each started event names the run before)."""
    runs: list[list[HistoryEvent]] = []
    run_id: str | None = None
    while True:
        history = await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
        events = list(history.events)
        runs.append(events)
        previous = events[0].workflow_execution_started_event_attributes.continued_execution_run_id if events else ""
        if not previous:
            return runs[::-1]
        run_id = previous


def total(costs: Iterable[HistoryCost]) -> HistoryCost:
    return sum(costs, HistoryCost())


async def measure(client: Client, workflow_ids: Sequence[str]) -> HistoryCost:
    """Summed cost of these workflows (every run of each), fetched a few at a time."""
    gate = asyncio.Semaphore(FETCH_CONCURRENCY)

    async def one(workflow_id: str) -> HistoryCost:
        async with gate:
            return total(cost_of(run) for run in await fetch_runs(client, workflow_id))

    return total(await asyncio.gather(*(one(w) for w in workflow_ids)))


def sample(items: Sequence[str], at_most: int) -> list[str]:
    """Every k-th item, at most `at_most` of them (deterministic: the same run, the same sample)."""
    if len(items) <= at_most:
        return list(items)
    step = len(items) / at_most
    return [items[int(i * step)] for i in range(at_most)]


def rows(project: HistoryCost, project_units: float, bare: HistoryCost, bare_units: float, per: str,
         note: str = "") -> list[Row]:
    """Three table rows (history events, history bytes, billable actions) per `per` (a clinical
    event, a patient-year...), the project's beside bare's."""
    p, b = project.per(project_units), bare.per(bare_units)
    return [Row(f"Temporal history events per {per}", "events", p["events"], b["events"], higher_is_better=False,
                note=note),
            Row(f"Temporal history bytes per {per}", "bytes", p["bytes"], b["bytes"], higher_is_better=False),
            Row(f"Temporal Cloud billable actions per {per}", "actions", p["actions"], b["actions"],
                higher_is_better=False, note="docs.temporal.io/cloud/actions; reading in bench/history_cost.py")]


async def measure_sample(client: Client, clinical_events: dict[str, int], at_most: int) -> tuple[HistoryCost, int]:
    """Cost of a sample of at most `at_most` of these workflows (workflow id -> the clinical
    events it was given) and the clinical events of the sample."""
    chosen = sample(list(clinical_events), at_most)
    return await measure(client, chosen), sum(clinical_events[w] for w in chosen)
