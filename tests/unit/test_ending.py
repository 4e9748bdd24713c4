"""The end of follow-up as a fact of the events (domain.ending)."""

import pytest

from domain.ending import end_after, end_in_force
from domain.errors import PathwayEnded
from tests.unit.builders import edss, follow_up_ended, retraction


def test_an_end_then_another_event_in_the_same_batch_is_refused():
    end = follow_up_ended("2026-10-01", event_id="end-1")
    with pytest.raises(PathwayEnded, match="Only the retraction of that end"):
        end_after(None, [end, edss("2026-10-02")])


def test_once_ended_only_the_retraction_of_that_end_is_taken_and_it_reopens():
    assert end_after(None, [follow_up_ended("2026-10-01", event_id="end-1")]) == "end-1"
    with pytest.raises(PathwayEnded):
        end_after("end-1", [retraction("2026-10-02", "some-other-event")])
    with pytest.raises(PathwayEnded):
        end_after("end-1", [follow_up_ended("2026-10-03", event_id="end-2")])
    assert end_after("end-1", [retraction("2026-10-02", "end-1"), edss("2026-10-03")]) is None


def test_the_end_in_force_of_stored_events_is_the_last_one_not_retracted():
    first, second = follow_up_ended("2026-01-01", event_id="end-a"), follow_up_ended("2026-05-01", event_id="end-b")
    assert end_in_force([first, retraction("2026-02-01", "end-a"), edss("2026-03-01")]) is None
    assert end_in_force([first, retraction("2026-02-01", "end-a"), second]) == "end-b"
