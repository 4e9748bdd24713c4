"""The waiting helper: polls until the condition holds, bounded, and says what it waited for."""

from __future__ import annotations

import time

import pytest

from tests.support.waiting import eventually, eventually_blocking


async def test_eventually_returns_the_first_accepted_value_of_an_async_probe():
    seen = []

    async def probe() -> int:
        seen.append(len(seen))
        return seen[-1]

    assert await eventually(probe, lambda n: n >= 3, interval_s=0.01) == 3
    assert seen == [0, 1, 2, 3]


async def test_eventually_takes_a_plain_function_and_waits_for_a_truthy_value_by_default():
    lines: list[str] = []

    def probe() -> str | None:
        lines.append("x")
        return "found" if len(lines) == 2 else None

    assert await eventually(probe, interval_s=0.01) == "found"


async def test_eventually_fails_after_its_bound_naming_what_it_waited_for_and_the_last_value():
    started = time.monotonic()
    with pytest.raises(AssertionError, match=r"timed out after 0.2 s waiting for the answer; last value seen: \[1, 2\]"):
        await eventually(lambda: [1, 2], lambda v: len(v) > 2, timeout_s=0.2, interval_s=0.05, what="the answer")
    assert 0.2 <= time.monotonic() - started < 5


def test_eventually_blocking_is_the_same_without_an_event_loop():
    calls = iter(range(10))

    assert eventually_blocking(lambda: next(calls, None), lambda n: n == 2, interval_s=0.01) == 2
    with pytest.raises(AssertionError, match="waiting for rows; last value seen: \\[\\]"):
        eventually_blocking(list, timeout_s=0.05, interval_s=0.01, what="rows")


def test_a_long_last_value_is_cut_in_the_message():
    with pytest.raises(AssertionError) as failed:
        eventually_blocking(lambda: "x" * 10_000, lambda _: False, timeout_s=0, what="nothing")
    assert len(str(failed.value)) < 2200 and "(10002 characters)" in str(failed.value)
