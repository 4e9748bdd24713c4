from datetime import UTC, date, datetime

from domain.plan import ObligationKind, Stage, Status
from store.read_model import ReadModel
from tests.store.plans import ANOMALY, obligation, plan


async def test_a_plan_is_stored_as_a_patient_row_and_its_obligations(pool, patient_ref):
    read_model = ReadModel(pool)
    stored = plan(
        patient_ref,
        obligation("mri-1", "2026-09-01", Status.UPCOMING, deadline_on=date(2026, 10, 1)),
        obligation("val-1", "2026-03-02", Status.SATISFIED, ObligationKind.TREATMENT_VALIDATION, "R15",
                   satisfied_by="e-5", satisfied_on=date(2026, 3, 2)),
        tracks=("post_alemtuzumab",), anomalies=(ANOMALY,),
    )

    assert await read_model.upsert_plan(stored, 1) is True

    patient = await read_model.patient(patient_ref)
    assert {k: patient[k] for k in ("stage", "molecule", "tracks", "neurologist_id", "centre_id", "next_reminder_at",
                                     "ended", "ruleset_version", "as_of", "plan_version", "anomalies")} == {
        "stage": "risk_therapy", "molecule": "natalizumab", "tracks": ["post_alemtuzumab"],
        "neurologist_id": "N12", "centre_id": "C13", "next_reminder_at": datetime(2026, 7, 1, 7, 0, tzinfo=UTC),
        "ended": None, "ruleset_version": "2026.1", "as_of": date(2026, 6, 1), "plan_version": 1,
        "anomalies": [ANOMALY.model_dump(mode="json")],
    }
    assert await read_model.obligations(patient_ref) == [
        {"patient_ref": patient_ref, "obligation_id": "val-1", "rule": "R15", "kind": "treatment_validation",
         "due_on": date(2026, 3, 2), "deadline_on": None, "status": "satisfied", "satisfied_by": "e-5",
         "satisfied_on": date(2026, 3, 2)},
        {"patient_ref": patient_ref, "obligation_id": "mri-1", "rule": "R18", "kind": "mri",
         "due_on": date(2026, 9, 1), "deadline_on": date(2026, 10, 1), "status": "upcoming", "satisfied_by": None,
         "satisfied_on": None},
    ]


async def test_an_older_version_never_overwrites_a_newer_one(pool, patient_ref):
    read_model = ReadModel(pool)
    newer = plan(patient_ref, obligation("mri-2", "2027-03-01"), molecule="ocrelizumab")
    older = plan(patient_ref, obligation("mri-1", "2026-09-01"), molecule="natalizumab")

    assert await read_model.upsert_plan(newer, 2) is True
    assert await read_model.upsert_plan(older, 1) is False

    patient = await read_model.patient(patient_ref)
    assert (patient["plan_version"], patient["molecule"]) == (2, "ocrelizumab")
    assert [o["obligation_id"] for o in await read_model.obligations(patient_ref)] == ["mri-2"]


async def test_a_plan_of_the_same_store_position_later_in_time_replaces_the_earlier(pool, patient_ref):
    # The version is the event-store position: the same events at a later date (statuses moved).
    read_model = ReadModel(pool)
    first = plan(patient_ref, obligation("mri-1", "2026-09-01"))
    later = first.model_copy(update={"as_of": date(2026, 10, 1), "obligations": (
        obligation("mri-1", "2026-09-01", Status.OVERDUE),)})

    assert await read_model.upsert_plan(first, 3) is True
    assert await read_model.upsert_plan(later, 3) is True
    assert [o["status"] for o in await read_model.obligations(patient_ref)] == ["overdue"]


async def test_a_newer_plan_replaces_the_obligations_instead_of_adding_to_them(pool, patient_ref):
    read_model = ReadModel(pool)
    await read_model.upsert_plan(plan(patient_ref, obligation("a", "2026-07-01"), obligation("b", "2026-08-01")), 1)

    await read_model.upsert_plan(
        plan(patient_ref, obligation("b", "2026-08-01", Status.DUE), obligation("c", "2026-09-01"),
             stage=Stage.FIRST_LINE, neurologist_id=None, next_reminder_at=None, ended="moved_away"),
        2,
    )

    rows = await read_model.obligations(patient_ref)
    assert [(o["obligation_id"], o["status"]) for o in rows] == [("b", "due"), ("c", "upcoming")]
    patient = await read_model.patient(patient_ref)
    assert (patient["stage"], patient["neurologist_id"], patient["next_reminder_at"], patient["ended"]) == (
        "first_line", None, None, "moved_away")


async def test_a_plan_with_no_obligations_clears_them(pool, patient_ref):
    read_model = ReadModel(pool)
    await read_model.upsert_plan(plan(patient_ref, obligation("a", "2026-07-01")), 1)

    await read_model.upsert_plan(plan(patient_ref, stage=None), 2)

    assert await read_model.obligations(patient_ref) == []


async def test_patients_do_not_share_obligations(pool, patient_ref):
    read_model = ReadModel(pool)
    await read_model.upsert_plan(plan(patient_ref, obligation("mri-1", "2026-09-01")), 1)
    await read_model.upsert_plan(plan(f"{patient_ref}-b", obligation("mri-1", "2026-10-01")), 5)

    assert [o["due_on"] for o in await read_model.obligations(patient_ref)] == [date(2026, 9, 1)]


async def test_an_unknown_patient_has_no_row(pool):
    read_model = ReadModel(pool)
    assert await read_model.patient("nobody") is None
    assert await read_model.obligations("nobody") == []
