"""The staff pages in a real headless Chromium (Debian's, driven by Playwright) on the `pathway
dev` stack: sign in with a staff token, open the worklist of a seeded centre, filter it, open a
patient, see the timeline, record an RCP validation, see the obligation satisfied and the
worklist shrink. Takes the screenshots the README and docs/staff-view.md show: into
docs/screenshots with PATHWAY_UPDATE_SCREENSHOTS=1, else into the test's temporary directory."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

import httpx
from playwright.sync_api import expect, sync_playwright

from domain.calendar import add_days, add_months
from tests.e2e.test_temporal_ui_browser import ARGS, CHROMIUM, screenshots_dir
from tests.support.cli import EXAMPLES, run_cli

PARIS = ZoneInfo("Europe/Paris")


def seed_centre(api: str, token: str, centre: str) -> list[str]:
    """Three natalizumab patients whose second validation is a month overdue, with two
    neurologists, and one untreated patient with nothing overdue."""
    today = datetime.now(PARIS).date()
    refs = [f"{centre}-P{n}" for n in range(1, 5)]
    events = []
    for n, ref in enumerate(refs[:3]):
        start = add_months(today, -7 - n)
        events += _patient(ref, centre, f"N{70 + n % 2}", start, treated=True)
    events += _patient(refs[3], centre, "N70", add_days(today, -20), treated=False)
    response = httpx.post(f"{api}/v1/events", json={"events": events}, timeout=120,
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in (201, 202), response.text
    return refs


def _patient(ref: str, centre: str, neurologist: str, start: date, treated: bool) -> list[dict]:
    def e(type_: str, on: date, **fields) -> dict:
        return {"event_id": f"{ref}-{uuid.uuid4().hex[:8]}", "patient_ref": ref, "type": type_,
                "occurred_on": on.isoformat(), **fields}

    first = add_days(start, -30)
    found = [e("diagnosis_recorded", first, diagnosis="relapsing_remitting"),
             e("care_team_assigned", first, neurologist_id=neurologist, centre_id=centre),
             e("mri_performed", add_days(start, -10), regions=["brain", "spinal"])]
    if treated:
        found += [e("treatment_started", start, molecule="natalizumab"),
                  e("treatment_validated", start, via="rcp_meeting", molecule="natalizumab"),
                  e("etp_assessed", start, referral_needed=False)]
    return found


def overdue_rows(page) -> int:
    return page.locator("table tbody tr").filter(has=page.locator("a[href^='/staff/patients/']")).count()


def test_a_coordinator_signs_in_filters_the_worklist_and_records_an_rcp_validation(user_stack, tmp_path):
    api = f"http://127.0.0.1:{user_stack.api_port}"
    centre = f"C{uuid.uuid4().hex[:5].upper()}"
    refs = seed_centre(api, user_stack.token("integration"), centre)
    shots = screenshots_dir(tmp_path)
    shots.mkdir(parents=True, exist_ok=True)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="fr-FR")
        page.goto(f"{api}/staff/liste?centre={centre}", wait_until="domcontentloaded")
        page.get_by_label("Jeton personnel").fill(user_stack.token("staff"))
        page.get_by_role("button", name="Se connecter").click()
        expect(page.get_by_role("heading", name=f"Liste de travail du centre {centre}")).to_be_visible()
        for ref in refs:
            expect(page.get_by_role("link", name=ref, exact=True).first).to_be_visible()

        page.get_by_label("Statut").select_option("overdue")
        page.get_by_role("button", name="Filtrer").click()
        page.wait_for_url("**statut=overdue**")
        assert overdue_rows(page) == 3
        expect(page.get_by_role("link", name=refs[3], exact=True)).to_have_count(0)
        page.get_by_label("Neurologue").fill("N71")
        page.get_by_role("button", name="Filtrer").click()
        page.wait_for_url("**neurologue=N71**")
        assert overdue_rows(page) == 1
        page.get_by_label("Neurologue").fill("")
        page.get_by_role("button", name="Filtrer").click()
        page.wait_for_url(lambda url: "neurologue=N71" not in url)
        assert overdue_rows(page) == 3
        page.screenshot(path=str(shots / "staff-worklist.png"), full_page=True)

        page.get_by_role("link", name=refs[0], exact=True).click()
        expect(page.get_by_role("heading", name=f"Patient {refs[0]}")).to_be_visible()
        timeline = page.locator("figure.timeline svg[role=img]")
        expect(timeline).to_be_visible()
        assert "Parcours du patient" in (timeline.locator("title").first.text_content() or "")
        page.screenshot(path=str(shots / "staff-patient.png"), full_page=True)

        page.get_by_label("Validation du traitement en RCP").check()
        expect(page.get_by_label("Traitement validé (validation en RCP)")).to_have_value("natalizumab")
        page.get_by_role("button", name="Enregistrer").click()
        expect(page.get_by_role("status")).to_have_text("Acte enregistré.")
        validation = page.locator("tr[data-obligation*='R15/treatment_validation/2']")
        expect(validation.locator("td").nth(3)).to_have_text("Réalisé")

        page.goto(f"{api}/staff/liste?centre={centre}&statut=overdue", wait_until="domcontentloaded")
        assert overdue_rows(page) == 2
        expect(page.get_by_role("link", name=refs[0], exact=True)).to_have_count(0)

        simulated = tmp_path / "simulation.html"
        assert run_cli("simulate", str(EXAMPLES / "natalizumab-patient.json"), "--years", "3", "--html",
                       str(simulated)).returncode == 0
        page.goto(simulated.as_uri(), wait_until="domcontentloaded")
        expect(page.locator("figure.timeline svg[role=img]")).to_be_visible()
        page.locator("figure.timeline").screenshot(path=str(shots / "simulation-timeline.png"))
        browser.close()

    assert {p.name for p in shots.iterdir()} >= {"staff-worklist.png", "staff-patient.png", "simulation-timeline.png"}
