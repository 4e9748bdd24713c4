"""Waiting for what the system produces after it has answered.

Much of what a test checks lands a little after the answer that caused it: the API's
`request` log line (written once the response is on its way), e-mails in the catcher
and rows in the reminder log (sent by activities after the update returns), the read
model, search attributes (visibility lags the upsert). On a busy machine "a little" can
be seconds. So a test never reads such a thing right after the answer, and never sleeps
for a fixed time: it polls for the condition, with a bound, and fails naming what it
waited for and the last value it saw.

`eventually` is for async tests; `eventually_blocking` is the same for the synchronous
e2e tests (Playwright's sync API and subprocesses, no event loop).
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")

TIMEOUT_S = 30.0
"""Generous: only a failing test waits this long, and a busy CI machine is slow."""
INTERVAL_S = 0.1
MAX_SHOWN_CHARS = 2000


def _truthy(value: Any) -> bool:
    return bool(value)


async def eventually(probe: Callable[[], Awaitable[T] | T], accept: Callable[[T], bool] = _truthy, *,
                     timeout_s: float = TIMEOUT_S, interval_s: float = INTERVAL_S, what: str = "the condition") -> T:
    """Call `probe` (sync or async) until `accept` holds for its result (by default: the
    result is truthy); return that result. Raise AssertionError after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = probe()
        if inspect.isawaitable(value):
            value = await value
        if accept(value):
            return value
        if time.monotonic() > deadline:
            raise TimeoutAssertion(what, timeout_s, value)
        await asyncio.sleep(interval_s)


def eventually_blocking(probe: Callable[[], T], accept: Callable[[T], bool] = _truthy, *,
                        timeout_s: float = TIMEOUT_S, interval_s: float = INTERVAL_S,
                        what: str = "the condition") -> T:
    """`eventually` for code without an event loop: `probe` is a plain function."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = probe()
        if accept(value):
            return value
        if time.monotonic() > deadline:
            raise TimeoutAssertion(what, timeout_s, value)
        time.sleep(interval_s)


class TimeoutAssertion(AssertionError):
    def __init__(self, what: str, timeout_s: float, last: object) -> None:
        shown = repr(last)
        if len(shown) > MAX_SHOWN_CHARS:
            shown = shown[:MAX_SHOWN_CHARS] + f"... ({len(shown)} characters)"
        super().__init__(f"timed out after {timeout_s:g} s waiting for {what}; last value seen: {shown}")
