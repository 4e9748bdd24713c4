"""The staff pages over real HTTP on the real stack: sign-in with a staff token for a session
cookie (flags, CSRF), the worklist and its filters, a patient's page, an RCP validation recorded
through the intake with the signed-in person as sender, a revoked token ending its sessions."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from domain.calendar import add_days, add_months
from store.tokens import TokenStore
from tests.support.api import event, stored_events, today

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


async def seed_overdue_natalizumab_patient(api, ref: str, centre: str) -> None:
    start = add_months(today(), -7)
    response = await api.post({"events": [
        event(ref, "diagnosis_recorded", on=add_days(start, -30), diagnosis="relapsing_remitting"),
        event(ref, "care_team_assigned", on=add_days(start, -30), neurologist_id="N77", centre_id=centre),
        event(ref, "mri_performed", on=add_days(start, -10), regions=["brain", "spinal"]),
        event(ref, "treatment_started", on=start, molecule="natalizumab"),
        event(ref, "treatment_validated", on=start, via="rcp_meeting", molecule="natalizumab"),
        event(ref, "etp_assessed", on=start, referral_needed=False),
    ]})
    assert response.status_code in (201, 202), response.text


@asynccontextmanager
async def signed_in_client(api, name: str) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """A browser-like client signed in with a new staff token named `name`, and its session cookie."""
    token, _ = await TokenStore(api.pool).create(name, "staff")
    async with httpx.AsyncClient(base_url=api.url, timeout=60) as http:
        page = await http.get("/staff/connexion")
        csrf = CSRF.search(page.text).group(1)
        response = await http.post("/staff/connexion", data={"csrf": csrf, "jeton": token, "suite": "/staff/liste"})
        assert response.status_code == 303 and response.headers["location"] == "/staff/liste", response.text
        cookie = next(v for k, v in response.headers.multi_items()
                      if k == "set-cookie" and v.startswith("pathway_staff="))
        yield http, cookie


async def test_pages_need_a_session_and_the_sign_in_sets_a_strict_httponly_cookie(api):
    anonymous = await api.http.get("/staff/liste?centre=C13")
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/staff/connexion?suite=")
    async with signed_in_client(api, f"coord-{uuid.uuid4().hex[:6]}") as (http, cookie):
        flags = {part.strip().lower() for part in cookie.split(";")}
        assert {"httponly", "samesite=strict", "path=/staff"} <= flags
        assert "secure" not in flags  # served on loopback; Secure everywhere else
        assert (await http.get("/staff/liste")).status_code == 200


async def test_a_wrong_token_or_a_missing_form_token_is_refused_in_french(api):
    async with httpx.AsyncClient(base_url=api.url) as http:
        page = await http.get("/staff/connexion")
        csrf = CSRF.search(page.text).group(1)
        wrong = await http.post("/staff/connexion", data={"csrf": csrf, "jeton": "pw_nobody"})
        assert wrong.status_code == 401 and "Jeton inconnu" in wrong.text
        forged = await http.post("/staff/connexion", data={"csrf": "forged", "jeton": "pw_nobody"})
        assert forged.status_code == 403


async def test_worklist_filter_patient_page_and_rcp_validation_through_the_intake(api, patient_ref):
    centre = f"C{uuid.uuid4().hex[:6]}"
    await seed_overdue_natalizumab_patient(api, patient_ref, centre)
    name = f"coord-{uuid.uuid4().hex[:6]}"
    async with signed_in_client(api, name) as (http, _):
        overdue = await http.get(f"/staff/liste?centre={centre}&statut=overdue")
        assert overdue.status_code == 200 and '<html lang="fr">' in overdue.text
        assert overdue.text.count(f"/staff/patients/{patient_ref}") == 1
        assert "Validation du traitement" in overdue.text and "En retard" in overdue.text
        assert f"/staff/patients/{patient_ref}" not in (await http.get(
            f"/staff/liste?centre={centre}&statut=overdue&objet=mri")).text

        page = await http.get(f"/staff/patients/{patient_ref}")
        assert page.status_code == 200 and "<svg" in page.text and "Journal des événements" in page.text
        csrf = CSRF.search(page.text).group(1)
        assert (await http.post(f"/staff/patients/{patient_ref}/actes", data={
            "acte": "rcp_validation", "date": today().isoformat(), "molecule": "natalizumab"})).status_code == 403
        done = await http.post(f"/staff/patients/{patient_ref}/actes", data={
            "csrf": csrf, "acte": "rcp_validation", "date": today().isoformat(), "molecule": "natalizumab"})
        assert done.status_code == 303, done.text

        after = await http.get(done.headers["location"])
        assert "Acte enregistré." in after.text
        assert f"/staff/patients/{patient_ref}" not in (await http.get(f"/staff/liste?centre={centre}&statut=overdue")).text
    events = await stored_events(api, patient_ref, 7)
    assert (events[-1]["sender"], events[-1]["event"]["type"], events[-1]["event"]["via"]) == (
        name, "treatment_validated", "rcp_meeting")


async def test_revoking_the_token_ends_its_sessions(api):
    name = f"coord-{uuid.uuid4().hex[:6]}"
    async with signed_in_client(api, name) as (http, _):
        assert (await http.get("/staff/liste")).status_code == 200
        await TokenStore(api.pool).revoke(name)
        assert (await http.get("/staff/liste")).status_code == 303


async def test_a_refused_act_is_shown_on_the_page_and_nothing_is_recorded(api, patient_ref):
    centre = f"C{uuid.uuid4().hex[:6]}"
    await seed_overdue_natalizumab_patient(api, patient_ref, centre)
    async with signed_in_client(api, f"coord-{uuid.uuid4().hex[:6]}") as (http, _):
        page = await http.get(f"/staff/patients/{patient_ref}?error=Appelez+le+0800")
        assert "Appelez" not in page.text  # messages come from the server, never from the address
        csrf = CSRF.search(page.text).group(1)
        refused = await http.post(f"/staff/patients/{patient_ref}/actes", data={
            "csrf": csrf, "acte": "rcp_validation", "date": today().isoformat(), "molecule": "aspirin"})
        assert refused.status_code == 422
        assert "Refusé" in refused.text and "unknown molecule" in refused.text
    assert len(await stored_events(api, patient_ref, 6)) == 6
