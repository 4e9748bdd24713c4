from datetime import date

import pytest

from domain.plan import ObligationKind as Kind
from domain.plan import Status
from store.read_model import ReadModel
from store.worklist import Worklist
from tests.store.plans import obligation, plan


@pytest.fixture
async def worklist(pool) -> Worklist:
    read_model = ReadModel(pool)
    await read_model.upsert_plan(plan(
        "P-a",
        obligation("a-mri", "2026-07-01", Status.OVERDUE),
        obligation("a-etp", "2026-08-01", Status.DUE, Kind.ETP_ASSESSMENT, "R8"),
        obligation("a-val", "2026-03-02", Status.SATISFIED, Kind.TREATMENT_VALIDATION, "R15", satisfied_by="e-5"),
        neurologist_id="N12", centre_id="C13"), 1)
    await read_model.upsert_plan(plan(
        "P-b",
        obligation("b-mri", "2026-07-01", Status.UPCOMING),
        obligation("b-edss", "2026-09-15", Status.DEFAULTED, Kind.EDSS, "R6"),
        obligation("b-old", "2026-06-01", Status.CANCELLED),
        neurologist_id="N14", centre_id="C13"), 1)
    await read_model.upsert_plan(plan(
        "P-c",
        obligation("c-visit", "2026-06-15", Status.OVERDUE, Kind.FOLLOW_UP_VISIT, "R3"),
        neurologist_id="N21", centre_id="C06"), 1)
    return Worklist(pool)


def ids(rows: list[dict]) -> list[str]:
    return [r["obligation_id"] for r in rows]


async def test_open_obligations_of_every_patient_by_due_date_then_patient(worklist):
    rows = await worklist.open_obligations()

    assert ids(rows) == ["c-visit", "a-mri", "b-mri", "a-etp", "b-edss"]
    assert {k: rows[0][k] for k in ("patient_ref", "centre_id", "neurologist_id", "stage", "status", "kind", "rule")} == {
        "patient_ref": "P-c", "centre_id": "C06", "neurologist_id": "N21", "stage": "risk_therapy",
        "status": "overdue", "kind": "follow_up_visit", "rule": "R3"}


async def test_filter_by_centre(worklist):
    assert ids(await worklist.open_obligations(centre_id="C13")) == ["a-mri", "b-mri", "a-etp", "b-edss"]
    assert ids(await worklist.open_obligations(centre_id="C99")) == []


async def test_filter_by_neurologist(worklist):
    assert ids(await worklist.open_obligations(neurologist_id="N14")) == ["b-mri", "b-edss"]


async def test_filter_by_status_including_closed_ones(worklist):
    # `overdue` is past the due date: the defaulted item is listed too, and says so (issue 10, case 6).
    overdue = await worklist.open_obligations(status=["overdue"])
    assert [(r["obligation_id"], r["status"]) for r in overdue] == [
        ("c-visit", "overdue"), ("a-mri", "overdue"), ("b-edss", "defaulted")]
    assert ids(await worklist.open_obligations(status=["defaulted"])) == ["b-edss"]
    assert ids(await worklist.open_obligations(status=[Status.SATISFIED, Status.CANCELLED])) == ["a-val", "b-old"]


async def test_filter_by_kind(worklist):
    assert ids(await worklist.open_obligations(kind="mri")) == ["a-mri", "b-mri"]
    assert ids(await worklist.open_obligations(kind=[Kind.EDSS, Kind.ETP_ASSESSMENT])) == ["a-etp", "b-edss"]


async def test_filter_by_due_range_with_inclusive_bounds(worklist):
    rows = await worklist.open_obligations(due_after=date(2026, 7, 1), due_before=date(2026, 8, 1))
    assert ids(rows) == ["a-mri", "b-mri", "a-etp"]
    assert ids(await worklist.open_obligations(due_before=date(2026, 6, 30))) == ["c-visit"]


async def test_filters_combine(worklist):
    rows = await worklist.open_obligations(centre_id="C13", status=["overdue", "upcoming"], kind="mri",
                                           due_after=date(2026, 6, 1))
    assert ids(rows) == ["a-mri", "b-mri"]


async def test_pages_follow_one_another_without_overlap(worklist):
    pages = [await worklist.open_obligations(limit=2, offset=offset) for offset in (0, 2, 4, 6)]

    assert [ids(p) for p in pages] == [["c-visit", "a-mri"], ["b-mri", "a-etp"], ["b-edss"], []]


async def test_an_out_of_range_page_is_refused(worklist):
    with pytest.raises(ValueError, match="limit"):
        await worklist.open_obligations(limit=0)
    with pytest.raises(ValueError, match="offset"):
        await worklist.open_obligations(offset=-1)


async def test_a_newer_plan_moves_the_worklist(pool, worklist):
    await ReadModel(pool).upsert_plan(plan("P-c", obligation("c-visit", "2026-06-15", Status.SATISFIED),
                                           neurologist_id="N21", centre_id="C06"), 2)

    assert ids(await worklist.open_obligations(centre_id="C06")) == []
