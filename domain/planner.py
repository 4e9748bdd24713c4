"""The care plan as a pure function of (accepted events, settings, as-of)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from domain.calendar import add_days
from domain.events import ClinicalEvent
from domain.history import Timeline, build_timeline, select_events
from domain.plan import Anomaly, CareTeam, Obligation, Plan, Status
from domain.reminders import heads_up_on, ladder, open_status
from domain.rules import RuleContext, episode_drafts, stage_drafts, track_drafts
from domain.ruleset import Ruleset
from domain.schedule import Draft
from domain.settings import DEFAULT_SETTINGS, PathwaySettings


def local_date(moment: datetime, settings: PathwaySettings = DEFAULT_SETTINGS) -> date:
    """The centre's calendar date at an instant: what "today" means for clinical dates."""
    return moment.astimezone(ZoneInfo(settings.timezone)).date()


def compute_plan(
    patient_ref: str,
    events: Sequence[ClinicalEvent],
    as_of: date | datetime,
    ruleset: Ruleset,
) -> Plan:
    """The plan of the accepted events under `ruleset` (`rulesets.default()` for the shipped
    one). `as_of` is a date (the plan at the start of that day) or an aware instant (then
    `next_reminder_at` is the first reminder after that instant)."""
    settings = ruleset.settings
    if isinstance(as_of, datetime):
        now, day = as_of, local_date(as_of, settings)
    else:
        day = as_of
        now = datetime.combine(as_of, time(0, 0), tzinfo=ZoneInfo(settings.timezone))
    selection = select_events(events, settings, day)
    timeline = build_timeline(selection.events, ruleset)
    ctx = RuleContext(timeline, ruleset, day)
    drafts = _drafts(ctx)
    obligations = sorted(
        (_finalize(patient_ref, d, timeline, ruleset, day) for d in drafts),
        key=lambda o: (o.due_on, o.id),
    )
    return Plan(
        patient_ref=patient_ref,
        as_of=day,
        stage=_stage(timeline),
        tracks=tuple(sorted({t.track for t in timeline.tracks if t.end is None})),
        molecule=timeline.current_episode.molecule if timeline.current_episode else None,
        care_team=CareTeam(neurologist_id=timeline.care_team.neurologist_id, centre_id=timeline.care_team.centre_id)
        if timeline.care_team else None,
        obligations=tuple(obligations),
        next_reminder_at=_next_reminder(obligations, now),
        next_status_change_at=_next_status_change(obligations, now, settings),
        anomalies=selection.anomalies + tuple(timeline.anomalies) + _care_team_anomaly(timeline, obligations),
        ruleset_version=ruleset.label,
        ruleset_hash=ruleset.content_hash,
        ended=timeline.ended.reason if timeline.ended else None,
        events_applied=len(selection.events),
    )


def _stage(timeline: Timeline):
    """The current stage; once follow-up has ended, the last one (the plan says `ended`)."""
    if timeline.current_stage is not None:
        return timeline.current_stage.stage
    if timeline.ended is not None and timeline.stages:
        return timeline.stages[-1].stage
    return None


def _drafts(ctx: RuleContext) -> list[Draft]:
    drafts: list[Draft] = []
    for period in ctx.t.stages:
        drafts += stage_drafts(ctx, period)
    for episode in ctx.t.episodes:
        if episode.end is None or episode.end > episode.start:
            drafts += episode_drafts(ctx, episode)
    for track in ctx.t.tracks:
        drafts += track_drafts(ctx, track)
    return drafts


def _finalize(patient_ref: str, draft: Draft, timeline: Timeline, ruleset: Ruleset, as_of: date) -> Obligation:
    settings = ruleset.settings
    fields = dict(
        id=draft.id, rule=draft.rule, kind=draft.kind, due_on=draft.due_on, deadline_on=draft.deadline_on,
        heads_up_on=heads_up_on(draft, settings), regions=draft.regions, molecule=draft.molecule,
        panel=draft.panel, tags=draft.tags, instructions=draft.instructions + ruleset.instruction(draft.kind.value),
    )
    if draft.satisfier is not None:
        return Obligation(**fields, status=Status.SATISFIED, satisfied_by=draft.satisfier.event_id,
                          satisfied_on=draft.satisfier.on)
    if draft.cancelled_on is not None:
        return Obligation(**fields, status=Status.CANCELLED, cancelled_on=draft.cancelled_on)
    return Obligation(**fields, status=open_status(draft, settings, as_of),
                      reminders=ladder(patient_ref, draft, settings, timeline.care_team))


def _next_reminder(obligations: list[Obligation], now: datetime) -> datetime | None:
    upcoming = [step.at for o in obligations for step in o.reminders if step.at > now]
    return min(upcoming, default=None)


def _next_status_change(obligations: list[Obligation], now: datetime, settings: PathwaySettings) -> datetime | None:
    """Statuses change at the start of a centre day: the heads-up day (due), the day after
    the due date (overdue); `defaulted` comes with the last reminder."""
    zone = ZoneInfo(settings.timezone)
    days = [d for o in obligations if o.reminders
            for d in (o.heads_up_on, add_days(o.due_on, 1)) if d is not None]
    moments = [datetime.combine(d, time(0, 0), tzinfo=zone) for d in days]
    return min((m for m in moments if m > now), default=None)


def _care_team_anomaly(timeline: Timeline, obligations: list[Obligation]) -> tuple[Anomaly, ...]:
    if timeline.care_team is not None or not any(o.reminders for o in obligations):
        return ()
    return (Anomaly(code="no_care_team", message="no care team assigned: reminders go to the centre's default queue"),)
