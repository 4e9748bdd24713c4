"""Obligation ids and reminder ids are a persisted contract: the read model, the reminder log
(its idempotency keys) and every e-mail's Message-ID carry them. These reference patients
pin them to fixed values, so that a change to how they are made fails here, not in
production (where a changed reminder id resends a reminder staff already had)."""

from datetime import date

from domain import compute_plan, parse_event
from rulesets import default as default_ruleset

NATALIZUMAB = "REF-NATALIZUMAB-1"
CIS = "REF-CIS-1"


def events(ref: str, prefix: str, items: list[tuple]) -> list:
    return [parse_event({"event_id": f"{prefix}-{n}", "patient_ref": ref, "type": t, "occurred_on": on, **fields})
            for n, (t, on, fields) in enumerate(items, 1)]


NATALIZUMAB_EVENTS = events(NATALIZUMAB, "ref", [
    ("diagnosis_recorded", "2025-01-10", {"diagnosis": "relapsing_remitting"}),
    ("care_team_assigned", "2025-01-10", {"neurologist_id": "N12", "centre_id": "C13"}),
    ("mri_performed", "2025-01-20", {"regions": ["brain", "spinal"]}),
    ("treatment_started", "2025-02-01", {"molecule": "natalizumab"}),
    ("treatment_validated", "2025-02-01", {"via": "rcp_meeting", "molecule": "natalizumab"}),
    ("treatment_validated", "2025-08-01", {"via": "crc_visit", "molecule": "natalizumab"}),
    ("treatment_validated", "2026-02-01", {"via": "crc_visit", "molecule": "natalizumab"}),
    ("treatment_validated", "2026-08-01", {"via": "crc_visit", "molecule": "natalizumab"}),
    ("mri_performed", "2026-01-15", {"regions": ["brain"]}),
    ("etp_assessed", "2025-02-01", {"referral_needed": False}),
])
CIS_EVENTS = events(CIS, "cis", [
    ("diagnosis_recorded", "2026-06-01", {"diagnosis": "cis", "onset_on": "2026-04-15"}),
    ("care_team_assigned", "2026-06-01", {"neurologist_id": "N12", "centre_id": "C13"}),
])


def test_the_obligation_ids_of_a_natalizumab_patient_are_pinned():
    plan = compute_plan(NATALIZUMAB, NATALIZUMAB_EVENTS, date(2026, 11, 30), default_ruleset())
    assert [(o.id, o.rule, o.due_on.isoformat(), o.status.value) for o in plan.obligations] == [
        ("treatment@2025-02-01/R11/mri", "R11", "2025-02-01", "satisfied"),
        ("treatment@2025-02-01/R15/treatment_validation/1", "R15", "2025-02-01", "satisfied"),
        ("treatment@2025-02-01/R8/etp_assessment", "R8", "2025-02-01", "satisfied"),
        ("treatment@2025-02-01/R15/treatment_validation/2", "R15", "2025-08-01", "satisfied"),
        ("stage@2025-01-10/R5/crc_information/1", "R5", "2026-01-10", "cancelled"),
        ("stage@2025-01-10/R6/edss/1", "R6", "2026-01-10", "cancelled"),
        ("stage@2025-01-10/R7/mri/1", "R7", "2026-01-10", "satisfied"),
        ("stage@2025-01-10/R7/mri/2", "R7", "2026-01-20", "cancelled"),
        ("stage@2025-02-01/R18/mri/1", "R18", "2026-01-20", "satisfied"),
        ("treatment@2025-02-01/R15/treatment_validation/3", "R15", "2026-02-01", "satisfied"),
        ("treatment@2025-02-01/R15/treatment_validation/4", "R15", "2026-08-01", "satisfied"),
        ("stage@2025-02-01/R18/mri/2", "R18", "2027-01-15", "upcoming"),
        ("treatment@2025-02-01/R15/treatment_validation/5", "R15", "2027-02-01", "upcoming"),
    ]


def test_the_reminder_ids_of_a_natalizumab_patient_are_pinned():
    plan = compute_plan(NATALIZUMAB, NATALIZUMAB_EVENTS, date(2026, 11, 30), default_ruleset())
    ladders = {o.id: [(s.step, s.reminder_id) for s in o.reminders] for o in plan.open_obligations()}
    assert ladders == {
        "stage@2025-02-01/R18/mri/2": [
            ("heads_up", "9b6d72590e400315ea2e01a7d1791d77"), ("due", "63389c65b616d36346407bcaa1103b08"),
            ("overdue_1", "d80e700118fc04dc672958fb34426b0f"), ("overdue_2", "9cc036cf24af08a6f8a4d34cbf2fd6fa"),
            ("overdue_3", "90508b2a4098a0e2345d40efb3e8a517"), ("overdue_4", "27632d70e4734a0408179d0c03c227d6"),
            ("overdue_5", "1bd52ef3b68272f23556749941284d7d"), ("overdue_6", "cf2e7e989b45a6ea8894c31b99539dff")],
        "treatment@2025-02-01/R15/treatment_validation/5": [
            ("heads_up", "9eab19e9cf77aabcabe2d7e070ed70c8"), ("due", "4865dfd79cb5dfc59bacd530ee89a7ad"),
            ("overdue_1", "10dd1cc75c8ae98898beeb8887442a67"), ("overdue_2", "5c4835798ef9e2e76b18fa6a78d36781"),
            ("overdue_3", "bba42c115ad0be8954169c8497d6cf9d"), ("overdue_4", "cda58112b72ba4c3993ec29bbc9dc3a8"),
            ("overdue_5", "7e5dfbf3cee2653763e635be02fc4828"), ("overdue_6", "2060455ebc3d02b9ad455bf10ae5bbbc")],
    }


def test_the_ids_of_a_cis_priority_patient_are_pinned():
    plan = compute_plan(CIS, CIS_EVENTS, date(2026, 11, 30), default_ruleset())
    assert [(o.id, o.due_on.isoformat(), [s.reminder_id for s in o.reminders[:2]]) for o in plan.obligations] == [
        ("stage@2026-06-01/R1/biological_samples", "2026-10-15",
         ["d86a7651ad2ff2dbcec5139f694db741", "52e1bd2f9bbb19440e686614bbe43e9b"]),
        ("stage@2026-06-01/R1/initial_crc_visit", "2026-10-15",
         ["c313b1e72bde1fcd013cbe0867a307dd", "7049675561431d1359720e74136728df"]),
        ("stage@2026-06-01/R1/mri", "2026-10-15",
         ["1544c882147df092eb04ef63f9e900f4", "1bf84384e7fbd3c51e7fad82fca141e6"]),
        ("stage@2026-06-01/R1/self_questionnaires", "2026-10-15",
         ["79e0cd3fbab24820fcbe4531ca178d6b", "2bac2eebe1038891a68cbaff419b2973"]),
    ]
