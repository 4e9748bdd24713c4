"""The HTML part of a French digest in a real headless Chromium (Debian's, driven by Playwright):
the CIS reference patient's four R1 items, as `tests/delivery/test_content.py` checks their text.
Takes the screenshot README.md shows: into docs/screenshots with PATHWAY_UPDATE_SCREENSHOTS=1,
else into the test's temporary directory."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import sync_playwright

from rendering.letters import Addressee, Letter, render_letter
from tests.delivery.test_content import cis_r1_items
from tests.e2e.test_temporal_ui_browser import ARGS, CHROMIUM, screenshots_dir


def test_the_html_digest_reads_in_french_with_its_four_items_in_chromium(tmp_path):
    letter = render_letter(Letter(to=Addressee("neurologist", "N12", "Dr A. Martin"), items=cis_r1_items(),
                                  day=date(2026, 6, 1), centre_name="CRC SEP Marseille", digest=True,
                                  staff_view_url="https://parcours.example.org"))
    page_file = tmp_path / "digest.html"
    page_file.write_text(letter.html, encoding="utf-8")
    shots = screenshots_dir(tmp_path)
    shots.mkdir(parents=True, exist_ok=True)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 900, "height": 900})
        page.goto(page_file.as_uri(), wait_until="load")
        heading = page.get_by_role("heading", level=1).inner_text()
        groups = page.get_by_role("heading", level=2).all_inner_texts()
        items = page.locator("li").count()
        link = page.get_by_role("link", name="REF-CIS-1").get_attribute("href")
        page.screenshot(path=str(shots / "digest-fr.png"), full_page=True)
        browser.close()

    assert heading == "Récapitulatif du 01/06/2026 — CRC SEP Marseille"
    assert groups == ["À prévoir (4)"] and items == 4
    assert link == "https://parcours.example.org/patients/REF-CIS-1"
    assert (shots / "digest-fr.png").stat().st_size > 10_000
