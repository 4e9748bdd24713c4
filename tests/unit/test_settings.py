"""Interpretations are settings: the two first-line MRI policies and the other switches."""

from datetime import date

import pytest
from pydantic import ValidationError

from domain import DEFAULT_SETTINGS, MriPolicy, PathwaySettings, Stage, Status
from tests.unit.builders import (
    brain_mri,
    care_team,
    cis,
    diagnosed,
    find,
    mri,
    only,
    open_one,
    plan_of,
    spinal_mri,
    started,
)

EPI = ("ofsep_epidemiological",)
OFSEP_MINIMUM = PathwaySettings(mri_policy=MriPolicy.OFSEP_MINIMUM)


def first_line(*events):
    return [diagnosed("2025-06-01"), care_team("2025-06-01"), started("2026-03-01", "teriflunomide"), *events]


def mri_schedule(plan):
    return [(o.rule, o.due_on, o.regions, o.tags, o.status) for o in plan.obligations if o.rule in ("R11", "R12", "R13")]


def test_the_crc_marseille_policy_is_the_default():
    assert DEFAULT_SETTINGS.mri_policy is MriPolicy.CRC_MARSEILLE


def test_r13_ofsep_minimum_policy_gives_m12_then_every_36_months_brain_only():
    exams = [brain_mri("2026-02-20"), brain_mri("2027-03-01"), brain_mri("2030-02-15")]
    plan = plan_of(first_line(*exams), "2030-03-01", OFSEP_MINIMUM)
    brain, sat = ("brain",), Status.SATISFIED
    assert mri_schedule(plan) == [
        ("R11", date(2026, 3, 1), brain, EPI, sat),
        ("R13", date(2027, 3, 1), brain, EPI, sat),
        ("R13", date(2030, 3, 1), brain, EPI, sat),
        ("R13", date(2033, 2, 15), brain, EPI, Status.UPCOMING),
    ]
    assert all(o.instructions == () for o in find(plan, kind="mri") if o.rule in ("R11", "R13"))


def test_r12_crc_policy_gives_m6_m12_then_yearly_tagging_r11_m12_and_every_third_yearly_mri():
    exams = [mri("2026-02-20"), mri("2026-09-01"), brain_mri("2027-02-25"), spinal_mri("2027-03-01")]
    exams += [mri(f"{year}-03-01") for year in (2028, 2029, 2030)]
    plan = plan_of(first_line(*exams), "2030-03-02")
    both, sat = ("brain", "spinal"), Status.SATISFIED
    assert mri_schedule(plan) == [
        ("R11", date(2026, 3, 1), both, EPI, sat),
        ("R12", date(2026, 9, 1), both, (), sat),
        ("R12", date(2027, 3, 1), both, EPI, sat),
        ("R12", date(2028, 3, 1), both, (), sat),
        ("R12", date(2029, 3, 1), both, (), sat),
        ("R12", date(2030, 3, 1), both, EPI, sat),
        ("R12", date(2031, 3, 1), both, (), Status.UPCOMING),
    ]


def test_require_ofsep_protocol_makes_only_ofsep_exams_count_for_the_yearly_untreated_mri():
    events = [diagnosed("2026-01-10"), brain_mri("2026-06-01", ofsep_protocol=False)]
    assert open_one(plan_of(events, "2026-06-02"), "R7").due_on == date(2027, 6, 1)
    strict = PathwaySettings(require_ofsep_protocol=True)
    assert open_one(plan_of(events, "2026-06-02", strict), "R7").due_on == date(2027, 1, 10)


def test_r11_can_be_limited_to_first_line_starts():
    settings = PathwaySettings(r11_applies_to_risk_therapies=False)
    plan = plan_of([diagnosed("2025-06-01"), started("2026-03-01", "natalizumab")], "2026-03-01", settings)
    assert find(plan, "R11") == []
    assert only(plan_of([diagnosed("2025-06-01"), started("2026-03-01", "natalizumab")], "2026-03-01"), "R11").status is Status.DUE


def test_the_cis_priority_window_is_a_setting():
    events = [cis("2026-01-10", onset_on="2025-05-01")]
    assert plan_of(events, "2026-01-10").stage is Stage.UNTREATED_OTHER
    wider = PathwaySettings(cis_priority_window_months=12)
    plan = plan_of(events, "2026-01-10", wider)
    assert plan.stage is Stage.UNTREATED_CIS_PRIORITY
    assert only(plan, "R1", "mri").deadline_on == date(2026, 5, 1)


def test_the_combined_mri_window_is_a_setting():
    events = first_line(brain_mri("2026-08-20"), spinal_mri("2026-08-30"))
    assert find(plan_of(events, "2026-09-02"), "R12")[0].status is Status.OVERDUE
    assert find(plan_of(events, "2026-09-02", PathwaySettings(combined_mri_days=10)), "R12")[0].status is Status.SATISFIED


def test_the_reminder_ladder_lengths_are_settings():
    settings = PathwaySettings(overdue_every_days=14, overdue_reminders_before_default=2)
    r7 = only(plan_of([diagnosed("2026-01-10")], "2027-01-24", settings), "R7")
    assert [(s.step, s.at.date()) for s in r7.reminders] == [
        ("heads_up", date(2026, 12, 11)), ("due", date(2027, 1, 10)),
        ("overdue_1", date(2027, 1, 24)), ("overdue_2", date(2027, 2, 7)),
    ]
    assert r7.status is Status.OVERDUE
    assert only(plan_of([diagnosed("2026-01-10")], "2027-02-07", settings), "R7").status is Status.DEFAULTED


def test_settings_are_frozen_and_refuse_unknown_fields():
    with pytest.raises(ValidationError):
        PathwaySettings(mri_policiy="crc_marseille")  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        DEFAULT_SETTINGS.overdue_every_days = 7  # type: ignore[misc]
