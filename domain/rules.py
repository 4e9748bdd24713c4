"""Obligation drafts per stage, treatment episode and track: R1-R18 applied to a timeline.

Each function reads its numbers from the patient's ruleset (`domain.ruleset`: rhythms,
milestones, the catalogue, the monitoring rows, instruction texts) and its interpretations
from the ruleset's settings; it returns drafts whose ids are stable as new events arrive
(scope@start/rule/kind[/n]). Scopes name no molecule or diagnosis, since ids end up in
log lines.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import replace
from datetime import date

from domain import acts as A
from domain.calendar import add_days, add_months
from domain.events import DiagnosisRecorded, EtpAssessed, MriRhythmSet
from domain.history import Episode, StagePeriod, Timeline, TrackPeriod
from domain.plan import ObligationKind as K
from domain.plan import Stage
from domain.ruleset import Ruleset
from domain.schedule import Draft, chain, first_act, rolling_since_last, single
from domain.settings import MriPolicy

EPIDEMIOLOGICAL = "ofsep_epidemiological"


def every(months: int | None) -> Callable[[date], int | None]:
    return lambda _day: months


class RuleContext:
    def __init__(self, timeline: Timeline, ruleset: Ruleset, as_of: date) -> None:
        self.t = timeline
        self.r = ruleset
        self.s = ruleset.settings
        self.as_of = as_of
        self.events = timeline.acts
        # Several rules read the same acts (R3/R5/R10 visits, the MRIs of R4/R7/R12/R18): each
        # selection is made once per plan, since a long pathway has hundreds of events.
        self._acts: dict[Callable, list[A.Act]] = {}
        self._mris: dict[tuple[tuple[str, ...], bool], list[A.Act]] = {}

    def mris(self, regions: tuple[str, ...], ofsep_only: bool = False) -> list[A.Act]:
        key = (regions, ofsep_only)
        if key not in self._mris:
            self._mris[key] = A.mri_exams(self.events, regions, self.s, ofsep_only)
        return self._mris[key]

    def acts(self, predicate: Callable) -> list[A.Act]:
        if predicate not in self._acts:
            self._acts[predicate] = A.acts_where(self.events, predicate)
        return self._acts[predicate]

    def start_regions(self) -> tuple[str, ...]:
        return A.BRAIN_AND_SPINAL if self.s.mri_policy is MriPolicy.CRC_MARSEILLE else A.BRAIN


# --- stages ---------------------------------------------------------------------------


def stage_drafts(ctx: RuleContext, period: StagePeriod) -> list[Draft]:
    builders = {
        Stage.UNTREATED_CIS_PRIORITY: cis_priority,
        Stage.UNTREATED_OTHER: untreated_other,
        Stage.FIRST_LINE: first_line_stage,
        Stage.RISK_THERAPY: risk_therapy_stage,
    }
    return builders[period.stage](ctx, period)


def cis_priority(ctx: RuleContext, period: StagePeriod) -> list[Draft]:
    """R1 (initial visit items), R2 (samples visit), R3 (annual visit), R4 (annual MRI)."""
    onset = _cis_onset(ctx, period)
    scope, end = period.key, period.end
    deadline = add_months(onset, ctx.s.cis_priority_window_months)
    r1 = Draft(id="", rule="R1", kind=K.INITIAL_CRC_VISIT, due_on=deadline, deadline_on=deadline, heads_up_on=period.start)

    visit = single(replace(r1, id=f"{scope}/R1/initial_crc_visit"), ctx.acts(A.is_initial_crc_visit), onset, end)
    mri_acts = ctx.mris(A.BRAIN, ofsep_only=True)
    mri = single(replace(r1, id=f"{scope}/R1/mri", kind=K.MRI, regions=A.BRAIN), mri_acts, onset, end)
    questionnaires = single(
        replace(r1, id=f"{scope}/R1/self_questionnaires", kind=K.SELF_QUESTIONNAIRES),
        ctx.acts(A.has_component("self_questionnaires")), onset, end,
    )
    drafts = [visit, mri, questionnaires, _samples(ctx, r1, scope, visit, onset, end)]
    if visit.satisfier is not None:
        drafts += chain(
            Draft(id=f"{scope}/R3/follow_up_visit", rule="R3", kind=K.FOLLOW_UP_VISIT, due_on=deadline),
            ctx.acts(A.is_follow_up_visit), add_months(visit.satisfier.on, ctx.r.interval("R3")),
            add_days(visit.satisfier.on, 1), every(ctx.r.interval("R3")), end,
        )
    if mri.satisfier is not None:
        drafts += chain(
            Draft(id=f"{scope}/R4/mri", rule="R4", kind=K.MRI, due_on=deadline, regions=A.BRAIN),
            mri_acts, add_months(mri.satisfier.on, ctx.r.interval("R4")),
            add_days(mri.satisfier.on, 1), every(ctx.r.interval("R4")), end,
        )
    return drafts


def _cis_onset(ctx: RuleContext, period: StagePeriod) -> date:
    """The onset of the CIS diagnosis in force during the period: a later diagnosis (a CIS
    converting to relapsing-remitting MS) ends the period but does not rewrite it."""
    last_day = period.end or ctx.as_of
    cis = [e for e in ctx.events if isinstance(e, DiagnosisRecorded) and e.diagnosis == "cis" and e.occurred_on <= last_day]
    assert cis and cis[-1].onset_on is not None, "a CIS priority period starts with a CIS diagnosis"
    return cis[-1].onset_on


def _samples(ctx: RuleContext, r1: Draft, scope: str, visit: Draft, onset: date, end: date | None) -> Draft:
    """R1 samples, unless the initial visit could not take them: then R2, a CRC visit
    due 3 months after it."""
    sample_acts = ctx.acts(A.has_component("biological_samples"))
    samples = single(replace(r1, id=f"{scope}/R1/biological_samples", kind=K.BIOLOGICAL_SAMPLES), sample_acts, onset, end)
    initial = visit.satisfier
    if initial is None or (samples.satisfier is not None and samples.satisfier.on <= initial.on):
        return samples
    due = add_months(initial.on, ctx.r.interval("R2"))
    r2 = Draft(id=f"{scope}/R2/biological_samples", rule="R2", kind=K.BIOLOGICAL_SAMPLES, due_on=due, deadline_on=due)
    later = [a for a in sample_acts if a.event_id != initial.event_id]
    return single(r2, later, initial.on, end)


def untreated_other(ctx: RuleContext, period: StagePeriod) -> list[Draft]:
    """R5 CRC information, R6 EDSS, R7 MRI: yearly, counting acts whenever they happened."""
    scope, end, start = period.key, period.end, period.start
    return (
        rolling_since_last(Draft(id=f"{scope}/R5/crc_information", rule="R5", kind=K.CRC_INFORMATION, due_on=start),
                           ctx.acts(A.is_crc_information), start, every(ctx.r.interval("R5")), end)
        + rolling_since_last(Draft(id=f"{scope}/R6/edss", rule="R6", kind=K.EDSS, due_on=start),
                             ctx.acts(A.is_edss), start, every(ctx.r.interval("R6")), end)
        + rolling_since_last(Draft(id=f"{scope}/R7/mri", rule="R7", kind=K.MRI, due_on=start, regions=A.BRAIN),
                             ctx.mris(A.BRAIN, ofsep_only=True), start, every(ctx.r.interval("R7")), end)
    )


def first_line_stage(ctx: RuleContext, period: StagePeriod) -> list[Draft]:
    """R10: yearly CRC information; it runs on across a switch between first-line drugs."""
    scope = period.key
    return rolling_since_last(
        Draft(id=f"{scope}/R10/crc_information", rule="R10", kind=K.CRC_INFORMATION, due_on=period.start),
        ctx.acts(A.is_crc_information), period.start, every(ctx.r.interval("R10")), period.end,
    )


def risk_therapy_stage(ctx: RuleContext, period: StagePeriod) -> list[Draft]:
    """R18: yearly OFSEP MRI unless a clinician set another rhythm for this patient."""
    scope = period.key
    acts = ctx.mris(A.BRAIN, ofsep_only=True)
    rhythm = _mri_rhythm(ctx, period, acts)
    return rolling_since_last(
        Draft(id=f"{scope}/R18/mri", rule="R18", kind=K.MRI, due_on=period.start, regions=A.BRAIN),
        acts, period.start, rhythm, period.end,
    )


def _mri_rhythm(ctx: RuleContext, period: StagePeriod, acts: list[A.Act]) -> Callable[[date], int | None]:
    """The rhythm for the MRI after the one of `day`: the override in force when that next
    MRI happened (or now, while it is awaited)."""
    default = ctx.r.interval("R18")
    resets = [e.start for e in ctx.t.episodes if ctx.s.mri_rhythm_override_resets_on_treatment_change]
    resets += [e.end for e in ctx.t.episodes if e.end and ctx.s.mri_rhythm_override_resets_on_treatment_change]
    overrides = [e for e in ctx.events if isinstance(e, MriRhythmSet) and e.occurred_on >= period.start]

    def in_force(day: date) -> int:
        months = default
        last_reset = max((r for r in resets if r <= day), default=None)
        for o in overrides:
            if o.occurred_on <= day and (last_reset is None or o.occurred_on >= last_reset):
                months = o.every_months or default
        return months

    days = sorted(a.on for a in acts)

    def interval(day: date) -> int:
        following = bisect_right(days, day)  # the first MRI after `day`
        bound = days[following] if following < len(days) else min(ctx.as_of, period.end or ctx.as_of)
        return in_force(bound)

    return interval


# --- treatment episodes ---------------------------------------------------------------


def episode_drafts(ctx: RuleContext, episode: Episode) -> list[Draft]:
    """R8/R9 and R11 at every start (incl. switch, R20); R12/R13 for first line; R15 for risk."""
    scope, start, end = episode.key, episode.start, episode.end
    drafts = _etp(ctx, scope, start, end)
    risk = ctx.r.is_risk(episode.molecule)
    if not risk or ctx.s.r11_applies_to_risk_therapies:
        drafts.append(_recent_mri(ctx, scope, start, end, risk))
    if risk:
        drafts += _validations(ctx, episode)
    elif ctx.s.mri_policy is MriPolicy.CRC_MARSEILLE:
        drafts += _crc_mri_milestones(ctx, scope, start, end)
    else:
        drafts += _ofsep_mri_minimum(ctx, scope, start, end)
    return drafts + _monitoring(ctx, episode)


def _etp(ctx: RuleContext, scope: str, start: date, end: date | None) -> list[Draft]:
    lookback = add_days(start, -ctx.s.start_lookback_days)
    r8 = single(Draft(id=f"{scope}/R8/etp_assessment", rule="R8", kind=K.ETP_ASSESSMENT, due_on=start, at_once=True),
                ctx.acts(A.is_etp_assessment), lookback, end)
    drafts = [r8]
    assessment = r8.satisfier
    if assessment is not None and isinstance(assessment.event, EtpAssessed) and assessment.event.referral_needed:
        r9 = Draft(id=f"{scope}/R9/etp_referral", rule="R9", kind=K.ETP_REFERRAL, due_on=assessment.on, at_once=True)
        drafts.append(single(r9, ctx.acts(A.is_etp_referral), assessment.on, end))
    return drafts


def _recent_mri(ctx: RuleContext, scope: str, start: date, end: date | None, risk: bool) -> Draft:
    regions = ctx.start_regions()
    tags = () if risk else (EPIDEMIOLOGICAL,)
    instructions = () if risk or regions == A.BRAIN else ctx.r.instruction("R14")
    draft = Draft(id=f"{scope}/R11/mri", rule="R11", kind=K.MRI, due_on=start, regions=regions, tags=tags,
                  instructions=instructions, at_once=True)
    return single(draft, ctx.mris(regions), add_months(start, -ctx.s.recent_mri_months), end)


def _crc_mri_milestones(ctx: RuleContext, scope: str, start: date, end: date | None) -> list[Draft]:
    """R12: M6 reference and M12 efficacy MRIs on fixed dates, then yearly from the M12 one.
    M0 (R11), M12 and every third yearly MRI are the OFSEP epidemiological ones (R13)."""
    acts = ctx.mris(A.BRAIN_AND_SPINAL)
    base = Draft(id="", rule="R12", kind=K.MRI, due_on=start, regions=A.BRAIN_AND_SPINAL,
                 instructions=ctx.r.instruction("R14"))
    m6_months, m12_months = ctx.r.milestones("R12")
    m12_due = add_months(start, m12_months)
    m12 = _milestone(ctx, replace(base, id=f"{scope}/R12/mri/m12", tags=(EPIDEMIOLOGICAL,)), acts, m12_due, end, set())
    # An exam in the M12 window is the efficacy MRI; only earlier ones can be the M6 one.
    before_m12 = [a for a in acts if a.on < add_days(m12_due, -ctx.s.milestone_lookback_days)]
    m6 = _milestone(ctx, replace(base, id=f"{scope}/R12/mri/m6"), before_m12, add_months(start, m6_months), end, set())
    if m6.satisfier is None and m12.satisfier is not None:
        m6 = replace(m6, cancelled_on=m12.satisfier.on)  # superseded by the efficacy MRI
    drafts = [m6, m12]
    if m12.satisfier is not None:
        def tag_every_third(d: Draft, n: int) -> Draft:
            return replace(d, tags=(EPIDEMIOLOGICAL,)) if n % 3 == 0 else d

        yearly = ctx.r.interval("R12")
        drafts += chain(replace(base, id=f"{scope}/R12/mri/yearly"), acts, add_months(m12.satisfier.on, yearly),
                        add_days(m12.satisfier.on, 1), every(yearly), end, tag_every_third)
    return drafts


def _ofsep_mri_minimum(ctx: RuleContext, scope: str, start: date, end: date | None) -> list[Draft]:
    """R13: brain MRI at M12, then at least every 36 months."""
    acts = ctx.mris(A.BRAIN, ofsep_only=True)
    base = Draft(id="", rule="R13", kind=K.MRI, due_on=start, regions=A.BRAIN, tags=(EPIDEMIOLOGICAL,))
    (m12_months,) = ctx.r.milestones("R13")
    m12 = _milestone(ctx, replace(base, id=f"{scope}/R13/mri/m12"), acts, add_months(start, m12_months), end, set())
    drafts = [m12]
    if m12.satisfier is not None:
        months = ctx.r.interval("R13")
        drafts += chain(replace(base, id=f"{scope}/R13/mri/every_36_months"), acts, add_months(m12.satisfier.on, months),
                        add_days(m12.satisfier.on, 1), every(months), end)
    return drafts


def _milestone(ctx: RuleContext, draft: Draft, acts: list[A.Act], due: date, end: date | None, used: set[str]) -> Draft:
    draft = replace(draft, due_on=due)
    satisfier = first_act(acts, add_days(due, -ctx.s.milestone_lookback_days), end, exclude=used)
    return replace(draft, satisfier=satisfier) if satisfier else replace(draft, cancelled_on=end)


def _validations(ctx: RuleContext, episode: Episode) -> list[Draft]:
    """R15: initial validation at start (an act from the look-back counts), then the
    molecule's minimal rhythm; induction therapies have the initial one only."""
    molecule = ctx.r.molecule(episode.molecule)
    rhythm = molecule.validation_every_months if molecule else None
    template = Draft(id=f"{episode.key}/R15/treatment_validation", rule="R15", kind=K.TREATMENT_VALIDATION,
                     due_on=episode.start, molecule=episode.molecule)
    acts = ctx.acts(A.validates(episode.molecule))
    return chain(template, acts, episode.start, add_days(episode.start, -ctx.s.start_lookback_days),
                 every(rhythm), episode.end, lambda d, n: replace(d, at_once=True) if n == 1 else d)


def _monitoring(ctx: RuleContext, episode: Episode) -> list[Draft]:
    """The centre's monitoring rows for the molecule (`Ruleset.monitoring`): a laboratory panel
    every N months while it is given, or for M months after it is stopped. A stop is the end of
    the episode, not the end of follow-up (which closes every episode on its date)."""
    drafts: list[Draft] = []
    ended_on = ctx.t.ended.occurred_on if ctx.t.ended else None
    for row in ctx.r.monitoring_of(episode.molecule):
        first_months = row.first_due_months if row.first_due_months is not None else row.every_months
        acts = ctx.acts(A.is_lab_test(row.panel))
        if row.period == "on_treatment":
            template = Draft(id=f"{episode.key}/{row.id}/lab_test", rule=row.id, kind=K.LAB_TEST,
                             due_on=episode.start, panel=row.panel)
            drafts += chain(template, acts, add_months(episode.start, first_months), episode.start,
                            every(row.every_months), episode.end)
        elif episode.end is not None and episode.end != ended_on:
            stop, until = episode.end, add_months(episode.end, row.for_months or 0)
            template = Draft(id=f"{episode.key}/{row.id}/lab_test_after_stop", rule=row.id, kind=K.LAB_TEST,
                             due_on=stop, panel=row.panel)

            def within(day: date, months: int = row.every_months, last: date = until) -> int | None:
                return months if add_months(day, months) <= last else None

            drafts += chain(template, acts, add_months(stop, first_months), add_days(stop, 1), within, ended_on)
    return drafts


# --- post-treatment tracks -----------------------------------------------------------


def track_drafts(ctx: RuleContext, track: TrackPeriod) -> list[Draft]:
    """R16/R17: CRC validation one interval after the stop, then at the same rhythm,
    counting only validations after the stop, open-ended until `surveillance_ended`."""
    spec = ctx.r.track(track.track)
    if spec is None:  # a track of a ruleset the patient no longer runs
        return []
    template = Draft(id=f"{track.key}/{spec.rule}/treatment_validation", rule=spec.rule,
                     kind=K.TREATMENT_VALIDATION, due_on=track.start, molecule=spec.after_molecule)
    return chain(template, ctx.acts(A.validates(spec.after_molecule)), add_months(track.start, spec.every_months),
                 add_days(track.start, 1), every(spec.every_months), track.end)
