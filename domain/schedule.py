"""Obligation drafts and the two shapes every rule takes: a single item or a rolling chain."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date

from domain.acts import Act
from domain.calendar import add_months
from domain.plan import ObligationKind


@dataclass(frozen=True)
class Draft:
    """An obligation before its status and reminders are known."""

    id: str
    rule: str
    kind: ObligationKind
    due_on: date
    satisfier: Act | None = None
    deadline_on: date | None = None
    heads_up_on: date | None = None
    cancelled_on: date | None = None
    regions: tuple[str, ...] = ()
    molecule: str | None = None
    panel: str | None = None
    tags: tuple[str, ...] = ()
    instructions: tuple[str, ...] = ()
    at_once: bool = False
    """Due the day it arises (a start, an assessment): no heads-up."""


_PER_INSTANCE = frozenset({"id", "due_on", "satisfier", "cancelled_on"})


def first_act(acts: Sequence[Act], not_before: date, end: date | None, exclude: set[str] | None = None) -> Act | None:
    for act in acts:
        if act.on < not_before or (end is not None and act.on > end):
            continue
        if exclude and act.event_id in exclude:
            continue
        return act
    return None


def _first_act_finder(acts: Sequence[Act]) -> Callable[[date, date | None], Act | None]:
    """`first_act` for one list asked many times (a chain has as many instances as acts): by
    bisection when the acts are in date order, as the rules' selections are; else by scanning."""
    days = [a.on for a in acts]
    if any(later < earlier for earlier, later in zip(days, days[1:])):
        return lambda not_before, end: first_act(acts, not_before, end)

    def find(not_before: date, end: date | None) -> Act | None:
        i = bisect_left(days, not_before)
        return acts[i] if i < len(acts) and (end is None or days[i] <= end) else None

    return find


def single(draft: Draft, acts: Sequence[Act], not_before: date, end: date | None) -> Draft:
    """One obligation satisfied by the first act from `not_before` on, or cancelled at `end`."""
    satisfier = first_act(acts, not_before, end)
    if satisfier is not None:
        return replace(draft, satisfier=satisfier)
    return replace(draft, cancelled_on=end)


def latest_before(acts: Sequence[Act], day: date) -> Act | None:
    earlier = [a for a in acts if a.on <= day]
    return earlier[-1] if earlier else None


def chain(
    template: Draft,
    acts: Sequence[Act],
    first_due: date,
    first_not_before: date,
    interval_at: Callable[[date], int | None],
    end: date | None,
    decorate: Callable[[Draft, int], Draft] | None = None,
) -> list[Draft]:
    """A rolling rhythm: instance 1 is due `first_due`; each next instance is due one
    interval after the act that satisfied the previous one. Acts after `end` (the
    period's end) do not count, and the open instance is cancelled at `end`.
    `interval_at(day)` gives the rhythm in force on a day (None: no further instance)."""
    drafts: list[Draft] = []
    due, not_before, n = first_due, first_not_before, 1
    next_act = _first_act_finder(acts)
    # The template's other fields once: `dataclasses.replace` would read them again for each of
    # a long chain's instances.
    kept = {f.name: getattr(template, f.name) for f in fields(Draft) if f.name not in _PER_INSTANCE}
    while True:
        satisfier = next_act(not_before, end)
        found = satisfier is not None
        draft = Draft(**kept, id=f"{template.id}/{n}", due_on=due, satisfier=satisfier if found else template.satisfier,
                      cancelled_on=template.cancelled_on if found else end)
        drafts.append(draft if decorate is None else decorate(draft, n))
        if satisfier is None:
            return drafts
        months = interval_at(satisfier.on)
        if months is None:
            return drafts
        due = add_months(satisfier.on, months)
        not_before = date.fromordinal(satisfier.on.toordinal() + 1)
        n += 1


def rolling_since_last(
    template: Draft,
    acts: Sequence[Act],
    entered_on: date,
    interval_at: Callable[[date], int | None],
    end: date | None,
    decorate: Callable[[Draft, int], Draft] | None = None,
) -> list[Draft]:
    """Rolling rhythm whose acts count whenever they happened: due one interval after
    the latest act, or after entering the stage when there was none."""
    base_act = latest_before(acts, entered_on)
    base = base_act.on if base_act else entered_on
    months = interval_at(base)
    if months is None:
        return []
    return chain(
        template, acts, add_months(base, months), date.fromordinal(base.toordinal() + 1),
        interval_at, end, decorate,
    )
