"""The bare Temporal baseline: a trivial workflow with one update handler, and for the
due-date storm a timer and one activity sending the same e-mail as the project's.

It runs on the same dev server as the project, with the same data converter (pydantic,
AES-GCM payloads) and the same worker settings (`bench.bare_worker`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict
from temporalio import activity, workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from delivery.email import SmtpChannel
    from domain.dispatch import ReminderMessage
    from rendering.letters import Addressee, Letter, render_letter

BARE_WORKFLOW = "BareWorkflow"


class BareEmail(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    message: ReminderMessage
    to: tuple[str, ...]


class BareInput(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    fire_at: datetime | None = None
    """With `email`: sleep until then, send it, and end; without: stay open for updates."""
    email: BareEmail | None = None


class BareActivities:
    def __init__(self, channel: SmtpChannel | None) -> None:
        self._channel = channel

    @activity.defn(name="bare_send_email")
    async def send_email(self, email: BareEmail) -> str:
        if self._channel is None:
            raise RuntimeError("the bare worker has no SMTP channel (SMTP_HOST unset)")
        m = email.message  # rendered as the project renders one reminder (the directory look-up aside)
        content = render_letter(Letter(to=Addressee(m.recipients[0].role, m.recipients[0].id), items=(m,),
                                       day=m.scheduled_at.date(), centre_name="CRC SEP Marseille"))
        return await self._channel.send(m, list(email.to), content)


@workflow.defn(name=BARE_WORKFLOW)
class BareWorkflow:
    def __init__(self) -> None:
        self._updates = 0

    @workflow.run
    async def run(self, start: BareInput) -> int:
        if start.fire_at is None or start.email is None:
            await workflow.wait_condition(lambda: False)  # open, idle, as a pathway between events
            return self._updates
        delay = start.fire_at - workflow.now()
        if delay > timedelta(0):
            await workflow.sleep(delay)
        await workflow.execute_activity_method(
            BareActivities.send_email, start.email, start_to_close_timeout=timedelta(seconds=60),
            retry_policy=RetryPolicy(initial_interval=timedelta(seconds=5), backoff_coefficient=2.0,
                                     maximum_interval=timedelta(seconds=1800)),
        )
        return self._updates

    @workflow.update(name="record")
    async def record(self, item: dict[str, Any]) -> int:
        self._updates += 1
        return self._updates

    @workflow.query(name="updates")
    def updates(self) -> int:
        """How the footprint benchmark loads a workflow into a fresh worker's cache."""
        return self._updates
