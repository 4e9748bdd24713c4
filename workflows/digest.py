"""A centre's daily digest, started by its Temporal Schedule (`pathway-digest-<scope>`) after the
reminder hour: one activity sends each recipient one e-mail listing what waits for them
(`activities.digests`). The run's start time fixes the day, across retries."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from contracts.pathway import DIGEST_ACTIVITY, DIGEST_WORKFLOW, DigestInput, DigestReport, DigestRequest


@workflow.defn(name=DIGEST_WORKFLOW)
class DigestWorkflow:
    @workflow.run
    async def run(self, start: DigestInput) -> DigestReport:
        request = DigestRequest(scope=start.scope, excluded=start.excluded, at=workflow.now(),
                                timezone=start.timezone)
        return await workflow.execute_activity(
            DIGEST_ACTIVITY, request, result_type=DigestReport,
            # A heartbeat per recipient (each send is bounded by the SMTP timeout, 10 s): a lost worker
            # is noticed within 30 s and the digest goes on on another one.
            start_to_close_timeout=timedelta(hours=1), heartbeat_timeout=timedelta(seconds=30),
            # An SMTP outage: retried with backoff for the day; digests already sent are skipped.
            retry_policy=RetryPolicy(initial_interval=timedelta(seconds=5), backoff_coefficient=2.0,
                                     maximum_interval=timedelta(minutes=10)),
            schedule_to_close_timeout=timedelta(hours=20),
            summary=f"daily digest of {start.scope}",
        )
