"""From accepted events to clinical facts: which events apply, and the patient's timeline.

The plan is a pure function of the accepted events and an "as of" date: events that
occurred on or before it, in clinical-date order (ties: order of receipt). A duplicate
`event_id` is ignored; a retracted event is removed as if it never came.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from domain.calendar import add_months
from domain.events import (
    CareTeamAssigned,
    ClinicalEvent,
    DiagnosisRecorded,
    EventRetracted,
    FollowUpEnded,
    MriRhythmSet,
    SurveillanceEnded,
    TreatmentStarted,
    TreatmentStopped,
    TreatmentSwitched,
)
from domain.plan import Anomaly, Stage
from domain.ruleset import Ruleset
from domain.settings import PathwaySettings


@dataclass(frozen=True)
class Selection:
    events: tuple[ClinicalEvent, ...]
    """Applicable events, clinical order."""
    anomalies: tuple[Anomaly, ...]


def select_events(
    events: Sequence[ClinicalEvent], settings: PathwaySettings, as_of: date
) -> Selection:
    anomalies: list[Anomaly] = []
    unique: list[ClinicalEvent] = []
    seen: set[str] = set()
    for event in events:
        if event.event_id not in seen:
            seen.add(event.event_id)
            unique.append(event)
    by_id = {e.event_id: e for e in unique}

    receipt = {e.event_id: i for i, e in enumerate(unique)}
    in_clinical_order = sorted(unique, key=lambda e: (e.occurred_on, receipt[e.event_id]))

    retracted: set[str] = set()
    for event in in_clinical_order:  # so retraction anomalies do not depend on the order of receipt
        if not isinstance(event, EventRetracted):
            continue
        if not settings.retractions_apply_to_past_views and event.occurred_on > as_of:
            continue
        target = by_id.get(event.retracted_event_id)
        if target is None:
            anomalies.append(_anomaly("retraction_of_unknown_event", "retracts an event that was never received", event))
        elif isinstance(target, EventRetracted):
            anomalies.append(_anomaly("retraction_of_retraction", "a retraction cannot be retracted; send the event again with a new event_id", event))
        else:
            retracted.add(target.event_id)

    applicable = [
        e for e in in_clinical_order
        if not isinstance(e, EventRetracted) and e.event_id not in retracted and e.occurred_on <= as_of
    ]
    return Selection(events=tuple(applicable), anomalies=tuple(anomalies))


@dataclass(frozen=True)
class Episode:
    """One molecule given from `start` until `end` (exclusive of later days), or still current."""

    molecule: str
    start: date
    start_event_id: str
    end: date | None = None

    @property
    def key(self) -> str:
        return f"treatment@{self.start.isoformat()}"


@dataclass(frozen=True)
class StagePeriod:
    stage: Stage
    start: date
    end: date | None = None

    @property
    def key(self) -> str:
        return f"stage@{self.start.isoformat()}"


@dataclass(frozen=True)
class TrackPeriod:
    track: str
    start: date
    """The stop date of the molecule that opened the track."""
    end: date | None = None

    @property
    def key(self) -> str:
        return f"surveillance@{self.start.isoformat()}"


@dataclass(frozen=True)
class DiagnosisFact:
    diagnosis: str
    on: date
    onset_on: date | None
    event_id: str


@dataclass
class Timeline:
    """What the fold learns: stages, treatment episodes, tracks, care team, end."""

    stages: list[StagePeriod] = field(default_factory=list)
    episodes: list[Episode] = field(default_factory=list)
    tracks: list[TrackPeriod] = field(default_factory=list)
    diagnosis: DiagnosisFact | None = None
    care_team: CareTeamAssigned | None = None
    ended: FollowUpEnded | None = None
    anomalies: list[Anomaly] = field(default_factory=list)
    acts: list[ClinicalEvent] = field(default_factory=list)
    """Every applied event up to the end of follow-up, clinical order."""

    @property
    def current_episode(self) -> Episode | None:
        if self.episodes and self.episodes[-1].end is None:
            return self.episodes[-1]
        return None

    @property
    def current_stage(self) -> StagePeriod | None:
        if self.stages and self.stages[-1].end is None:
            return self.stages[-1]
        return None


def build_timeline(events: Sequence[ClinicalEvent], ruleset: Ruleset) -> Timeline:
    timeline = _Folder(ruleset)
    for day_events in _group_by_day(events):
        for event in day_events:
            timeline.apply(event)
        timeline.close_day(day_events[0].occurred_on)
    return timeline.result


def _group_by_day(events: Sequence[ClinicalEvent]) -> list[list[ClinicalEvent]]:
    days: list[list[ClinicalEvent]] = []
    for event in events:
        if days and days[-1][0].occurred_on == event.occurred_on:
            days[-1].append(event)
        else:
            days.append([event])
    return days


class _Folder:
    def __init__(self, ruleset: Ruleset) -> None:
        self.ruleset = ruleset
        self.settings = ruleset.settings
        self.result = Timeline()
        self.ever_treated = False
        self.closed = False
        self._risk: dict[str, bool] = {}
        """Whether each molecule is a risk therapy, asked once: stages are decided every clinical day."""

    def apply(self, event: ClinicalEvent) -> None:
        t = self.result
        if t.ended is not None:
            t.anomalies.append(_anomaly("event_after_follow_up_end", "occurred after the end of follow-up; not applied", event))
            return
        t.acts.append(event)
        if isinstance(event, DiagnosisRecorded):
            t.diagnosis = DiagnosisFact(event.diagnosis, event.occurred_on, event.onset_on, event.event_id)
        elif isinstance(event, TreatmentStarted):
            self._start(event)
        elif isinstance(event, TreatmentSwitched):
            self._switch(event)
        elif isinstance(event, TreatmentStopped):
            self._stop(event)
        elif isinstance(event, SurveillanceEnded):
            self._end_track(event)
        elif isinstance(event, CareTeamAssigned):
            t.care_team = event
        elif isinstance(event, FollowUpEnded):
            t.ended = event
        elif isinstance(event, MriRhythmSet) and not self._on_risk_therapy():
            t.anomalies.append(_anomaly("mri_rhythm_outside_risk_therapy", "an MRI rhythm applies to risk therapies (R18) only", event))

    def _on_risk_therapy(self) -> bool:
        current = self.result.current_episode
        return current is not None and self.ruleset.is_risk(current.molecule)

    def _start(self, event: TreatmentStarted) -> None:
        current = self.result.current_episode
        if current is not None and current.molecule == event.molecule:
            self.result.anomalies.append(_anomaly("already_on_molecule", f"already on {event.molecule}; start ignored", event))
            return
        if current is not None:
            self.result.anomalies.append(_anomaly("start_while_on_treatment", f"started while on {current.molecule}: taken as a switch (R20)", event))
            self._end_episode(current, event.occurred_on)
        self._begin_episode(event.molecule, event)

    def _switch(self, event: TreatmentSwitched) -> None:
        current = self.result.current_episode
        if current is None:
            self.result.anomalies.append(_anomaly("switch_without_treatment", f"switch from {event.from_molecule} but no treatment is current: taken as a start", event))
        else:
            if current.molecule != event.from_molecule:
                self.result.anomalies.append(_anomaly("switch_from_other_molecule", f"switch from {event.from_molecule} but the current treatment is {current.molecule}", event))
            if current.molecule == event.to_molecule:
                self.result.anomalies.append(_anomaly("already_on_molecule", f"already on {event.to_molecule}; switch ignored", event))
                return
            self._end_episode(current, event.occurred_on)
        self._begin_episode(event.to_molecule, event)

    def _stop(self, event: TreatmentStopped) -> None:
        current = self.result.current_episode
        if current is None or current.molecule != event.molecule:
            self.result.anomalies.append(_anomaly("stop_without_start", f"stop of {event.molecule}, which is not the current treatment", event))
            return
        self._end_episode(current, event.occurred_on)

    def _begin_episode(self, molecule: str, event: ClinicalEvent) -> None:
        t = self.result
        if t.diagnosis is None:
            t.anomalies.append(_anomaly("treatment_without_diagnosis", "a treatment started before any diagnosis was recorded", event))
        if self.ruleset.molecule(molecule) is None:
            t.anomalies.append(_anomaly("molecule_not_in_ruleset", f"{molecule} is not in ruleset {self.ruleset.label}: "
                                        "followed as a risk therapy until the centre's ruleset names it", event))
        self.ever_treated = True
        self._close_track_of(molecule, event.occurred_on)
        t.episodes.append(Episode(molecule=molecule, start=event.occurred_on, start_event_id=event.event_id))

    def _end_episode(self, episode: Episode, on: date) -> None:
        self.result.episodes[-1] = Episode(episode.molecule, episode.start, episode.start_event_id, end=on)
        molecule = self.ruleset.molecule(episode.molecule)
        track = molecule.post_stop_track if molecule else None
        if track is not None:
            self._close_track_of(episode.molecule, on)
            self.result.tracks.append(TrackPeriod(track=track, start=on))

    def _close_track_of(self, molecule: str, on: date) -> None:
        """Restarting an induction molecule (or stopping it again) ends its previous track."""
        for i, track in enumerate(self.result.tracks):
            spec = self.ruleset.track(track.track)
            if track.end is None and spec is not None and spec.after_molecule == molecule:
                self.result.tracks[i] = TrackPeriod(track.track, track.start, end=on)

    def _end_track(self, event: SurveillanceEnded) -> None:
        for i, track in enumerate(self.result.tracks):
            if track.end is None and track.track == event.track:
                self.result.tracks[i] = TrackPeriod(track.track, track.start, end=event.occurred_on)
                return
        self.result.anomalies.append(_anomaly("surveillance_ended_without_track", f"no open {event.track} track", event))

    def close_day(self, day: date) -> None:
        """Stages are decided at the end of each clinical day, so same-day changes collapse."""
        t = self.result
        if self.closed:
            return
        stage = self._stage_now()
        current = t.current_stage
        if current is None or current.stage != stage:  # same stage across a switch: R10, R18 continue
            if current is not None:
                t.stages[-1] = StagePeriod(current.stage, current.start, end=day)
            if stage is not None:
                t.stages.append(StagePeriod(stage, day))
        if t.ended is not None:
            self._close_everything(t.ended.occurred_on)

    def _close_everything(self, on: date) -> None:
        t = self.result
        self.closed = True
        if t.current_stage is not None:
            t.stages[-1] = StagePeriod(t.stages[-1].stage, t.stages[-1].start, end=on)
        if t.current_episode is not None:
            ep = t.current_episode
            t.episodes[-1] = Episode(ep.molecule, ep.start, ep.start_event_id, end=on)
        self._end_open_tracks(on)

    def _end_open_tracks(self, on: date) -> None:
        for i, track in enumerate(self.result.tracks):
            if track.end is None:
                self.result.tracks[i] = TrackPeriod(track.track, track.start, end=on)

    def _stage_now(self) -> Stage | None:
        t = self.result
        episode = t.current_episode
        if episode is not None:
            if episode.molecule not in self._risk:
                self._risk[episode.molecule] = self.ruleset.is_risk(episode.molecule)
            return Stage.RISK_THERAPY if self._risk[episode.molecule] else Stage.FIRST_LINE
        if t.diagnosis is None:
            return None
        if self._is_cis_priority(t.diagnosis):
            return Stage.UNTREATED_CIS_PRIORITY
        return Stage.UNTREATED_OTHER

    def _is_cis_priority(self, diagnosis: DiagnosisFact) -> bool:
        if diagnosis.diagnosis != "cis" or diagnosis.onset_on is None:
            return False
        if self.ever_treated and self.settings.cis_priority_ends_with_treatment:
            return False
        window_end = add_months(diagnosis.onset_on, self.settings.cis_priority_window_months)
        return diagnosis.on < window_end


def _anomaly(code: str, message: str, event: ClinicalEvent) -> Anomaly:
    return Anomaly(code=code, message=message, event_id=event.event_id)


def centre_of(events: Sequence[ClinicalEvent]) -> str | None:
    """The patient's centre, which decides its ruleset: that of the latest `care_team_assigned`
    received (order of receipt) that no received retraction names; None before any."""
    retracted = {e.retracted_event_id for e in events if isinstance(e, EventRetracted)}
    teams = [e for e in events if isinstance(e, CareTeamAssigned) and e.event_id not in retracted]
    return teams[-1].centre_id if teams else None
