"""The plan computation, run as a local activity so that its result is recorded in the
workflow history: a later change to the rules table changes future plans but never
breaks the replay of a running pathway."""

from __future__ import annotations

from temporalio import activity

from domain.plan import Plan
from domain.planner import compute_plan
from workflows.messages import ComputePlanInput


@activity.defn(name="compute_plan")
def compute_plan_activity(request: ComputePlanInput) -> Plan:
    return compute_plan(request.patient_ref, request.events, request.now, request.settings)
