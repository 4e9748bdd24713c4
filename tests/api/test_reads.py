"""Staff reads: plans (now and what-if), events, reminders, the worklist."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from domain.calendar import add_days, add_months
from domain.dispatch import ReminderMessage
from store.reminder_log import ReminderLog
from tests.support.api import event, stored_events, today
from tests.support.waiting import eventually


async def test_the_plan_of_an_unknown_patient_is_404_now_and_what_if(api, patient_ref):
    for query in ("", "?as_of=2026-01-01"):
        response = await api.get(f"/v1/patients/{patient_ref}/plan{query}")
        assert response.status_code == 404, query
        assert response.headers["content-type"] == "application/problem+json"
    assert (await api.get(f"/v1/patients/{patient_ref}/events")).status_code == 404
    assert (await api.get(f"/v1/patients/{patient_ref}/reminders")).status_code == 404


async def test_the_plan_now_comes_from_the_running_pathway(api, patient_ref):
    await api.post({"events": [event(patient_ref, "diagnosis_recorded", diagnosis="relapsing_remitting"),
                               event(patient_ref, "treatment_started", molecule="natalizumab")]})

    plan = (await api.get(f"/v1/patients/{patient_ref}/plan")).json()

    assert plan["as_of"] == today().isoformat()
    assert plan["stage"] == "risk_therapy" and plan["molecule"] == "natalizumab"
    assert {o["rule"] for o in plan["obligations"]} >= {"R8", "R11", "R15", "R18"}


async def test_a_what_if_plan_is_the_plan_on_that_date_from_the_stored_events(api, patient_ref):
    diagnosed, started = add_months(today(), -10), add_months(today(), -4)
    await api.post({"events": [event(patient_ref, "diagnosis_recorded", on=diagnosed, diagnosis="relapsing_remitting"),
                               event(patient_ref, "treatment_started", on=started, molecule="fingolimod")]})
    await stored_events(api, patient_ref, 2)

    before = (await api.get(f"/v1/patients/{patient_ref}/plan", params={"as_of": add_days(started, -1).isoformat()})).json()
    after = (await api.get(f"/v1/patients/{patient_ref}/plan", params={"as_of": started.isoformat()})).json()
    now = (await api.get(f"/v1/patients/{patient_ref}/plan")).json()

    assert before["stage"] == "untreated_other" and before["molecule"] is None and before["events_applied"] == 1
    assert after["stage"] == "risk_therapy" and after["molecule"] == "fingolimod" and after["events_applied"] == 2
    assert after["as_of"] == started.isoformat()
    assert now["obligations"] == (await api.get(f"/v1/patients/{patient_ref}/plan",
                                                params={"as_of": today().isoformat()})).json()["obligations"]


async def test_a_malformed_date_or_patient_ref_in_a_read_is_refused_422(api, patient_ref):
    for path, params in [(f"/v1/patients/{patient_ref}/plan", {"as_of": "2026-02-30"}),
                         (f"/v1/patients/{patient_ref}/plan", {"as_of": "1767225600"}),
                         ("/v1/patients/-bad/plan", {}),
                         ("/v1/worklist", {"limit": "0"}),
                         ("/v1/worklist", {"status": "lost"}),
                         ("/v1/worklist", {"due_before": "tomorrow"})]:
        response = await api.get(path, params=params)
        assert response.status_code == 422, (path, params, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["field"]


async def test_the_reminders_of_a_patient_come_from_the_reminder_log(api, patient_ref):
    await api.post(event(patient_ref, "diagnosis_recorded", diagnosis="relapsing_remitting"))
    await eventually(lambda: api.get(f"/v1/patients/{patient_ref}/reminders"), lambda r: r.status_code == 200,
                     what="the patient known to the reminders read")
    message = ReminderMessage(
        reminder_id=f"{patient_ref}-R7-due", patient_ref=patient_ref, obligation_id=f"{patient_ref}-R7",
        rule="R7", kind="mri", step="due", due_on=today(), scheduled_at=datetime.now(UTC), escalated=False,
        recipients=(),
    )
    await ReminderLog(api.pool).claim(message, "email", [], "<m1@pathway.invalid>")

    reminders = (await api.get(f"/v1/patients/{patient_ref}/reminders")).json()["reminders"]

    assert [(r["rule"], r["step"], r["channel"], r["status"]) for r in reminders] == [("R7", "due", "email", "pending")]


async def test_the_worklist_filters_by_centre_neurologist_status_kind_and_due_dates_and_pages(api):
    centre = f"C{uuid.uuid4().hex[:10]}"
    refs = {name: f"W{uuid.uuid4().hex[:12]}" for name in ("natalizumab", "untreated", "elsewhere")}
    long_ago = add_months(today(), -14)
    await api.post({"events": [
        event(refs["natalizumab"], "diagnosis_recorded", on=long_ago, diagnosis="relapsing_remitting"),
        event(refs["natalizumab"], "treatment_started", molecule="natalizumab"),
        event(refs["natalizumab"], "care_team_assigned", neurologist_id="N-A", centre_id=centre),
        event(refs["untreated"], "diagnosis_recorded", on=long_ago, diagnosis="relapsing_remitting"),
        event(refs["untreated"], "care_team_assigned", neurologist_id="N-B", centre_id=centre),
        event(refs["elsewhere"], "diagnosis_recorded", diagnosis="relapsing_remitting"),
        event(refs["elsewhere"], "care_team_assigned", neurologist_id="N-A", centre_id=centre + "X"),
    ]})

    async def worklist(**params):
        response = await api.get("/v1/worklist", params={"centre": centre, **params})
        assert response.status_code == 200, response.text
        return response.json()

    everything = await eventually(worklist, lambda page: {i["patient_ref"] for i in page["items"]} ==
                                  {refs["natalizumab"], refs["untreated"]}, what="the centre's two patients on the worklist")
    items = everything["items"]
    assert [i["due_on"] for i in items] == sorted(i["due_on"] for i in items)
    assert all(i["centre_id"] == centre and i["status"] in ("upcoming", "due", "overdue") for i in items)

    by_neurologist = (await worklist(neurologist="N-B"))["items"]
    assert {i["patient_ref"] for i in by_neurologist} == {refs["untreated"]}

    validations = (await worklist(kind="treatment_validation"))["items"]
    assert {(i["patient_ref"], i["rule"]) for i in validations} == {(refs["natalizumab"], "R15")}

    overdue = (await worklist(status="overdue"))["items"]
    assert overdue and all(i["status"] == "overdue" for i in overdue)
    both = (await worklist(status=["overdue", "due"]))["items"]
    assert {i["status"] for i in both} <= {"overdue", "due"} and len(both) >= len(overdue)

    middle = date.fromisoformat(items[len(items) // 2]["due_on"])
    early = (await worklist(due_before=middle.isoformat()))["items"]
    late = (await worklist(due_after=add_days(middle, 1).isoformat()))["items"]
    assert len(early) + len(late) == len(items)
    assert all(date.fromisoformat(i["due_on"]) <= middle for i in early)

    pages, offset = [], 0
    while offset is not None:
        page = await worklist(limit=2, offset=offset)
        pages.append(page["items"])
        offset = page["next_offset"]
    assert [i for page in pages for i in page] == items and all(len(p) <= 2 for p in pages)


async def test_an_unknown_or_repeated_query_parameter_is_refused_422_rather_than_ignored(api):
    for query, field in [("centr=C13", "centr"), ("centre=A&centre=B", "centre"), ("=x", "")]:
        response = await api.get(f"/v1/worklist?{query}")
        assert response.status_code == 422, query
        assert [e["field"] for e in response.json()["errors"]] == [field]
    assert (await api.get("/v1/worklist?status=due&status=overdue")).status_code == 200
