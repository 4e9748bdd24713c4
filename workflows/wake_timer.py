"""A timer that can move (after samples-python's `updatable_timer`): set it to a new time and
it is replaced, set it to the same time and it is left alone. Each replacement is a cancel
and a start in history, and most events (a score, a visit) leave the wake-up time as it was."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from temporalio import workflow

MIN_DELAY = timedelta(seconds=1)


class WakeTimer:
    def __init__(self) -> None:
        self._at: datetime | None = None
        self._task: asyncio.Task[None] | None = None

    def set(self, at: datetime | None, summary: str | None) -> None:
        """Wake at `at` (None: never); `summary` is what the Temporal UI shows on the timer."""
        if at == self._at and self._task is not None:
            return
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._at, self._task = at, None
        if at is not None:
            delay = max(at - workflow.now(), MIN_DELAY)
            self._task = asyncio.create_task(workflow.sleep(delay, summary=summary))

    @property
    def fired(self) -> bool:
        return self._task is not None and self._task.done() and not self._task.cancelled()

    def take(self) -> bool:
        """Whether it fired; a fired timer is forgotten, so the next `set` starts a new one."""
        if not self.fired:
            return False
        self._at, self._task = None, None
        return True
