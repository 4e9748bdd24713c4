"""The Temporal Web UI of the `pathway dev` stack in a real headless Chromium (Debian's,
driven by Playwright): a pathway found by a search-attribute query, its history decoded
through the codec server. Takes the screenshots docs/architecture.md shows: into docs/screenshots
with PATHWAY_UPDATE_SCREENSHOTS=1 (to refresh them on purpose), else into the test's temporary
directory, so a test run leaves the checkout as it found it."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.e2e.dev_stack import start_dev
from tests.support.cli import EXAMPLES, run_cli
from tests.support.waiting import eventually_blocking

CHROMIUM = "/usr/bin/chromium"
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def screenshots_dir(tmp_path: Path) -> Path:
    return DOCS_SCREENSHOTS if os.environ.get("PATHWAY_UPDATE_SCREENSHOTS") == "1" else tmp_path / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]


def shown(page, text: str) -> bool:
    return any(text in _text(frame) for frame in page.frames)


def _text(frame) -> str:
    try:
        return frame.inner_text("body", timeout=1000)
    except Exception:  # a frame still loading or detached
        return ""


def test_an_engineer_finds_a_pathway_by_search_attribute_and_reads_its_decoded_history(tmp_path):
    assert shutil.which("chromium") or Path(CHROMIUM).exists(), "Debian's chromium is needed: scripts/setup installs it"
    stack = start_dev(tmp_path / "data")
    try:
        assert run_cli("submit", str(EXAMPLES / "natalizumab-patient.json"), env=stack.cli_env).returncode == 0
        query = 'PathwayCentre="C13" AND PathwayEnded=false'
        eventually_blocking(lambda: json.loads(run_cli("plan", "DEMO-0001", "--json", env=stack.cli_env).stdout or "null"),
                            interval_s=0.2, what="the plan of DEMO-0001")

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            page.goto(f"{stack.ui}/namespaces/default/workflows?query={query}", wait_until="domcontentloaded")
            page.get_by_text("patient-DEMO-0001").first.wait_for(timeout=30_000)

            page.goto(f"{stack.ui}/namespaces/default/workflows/patient-DEMO-0001", wait_until="domcontentloaded")
            # Timer summaries are payloads: readable only through the codec server. The event's
            # one local activity shows by its name.
            page.get_by_text(re.compile(r"wake to refresh statuses, \d{4}-\d{2}-\d{2}|sleep until R\d+ ")).first.wait_for(timeout=30_000)
            page.get_by_text("settle_pathway").first.wait_for(timeout=30_000)
            shots = screenshots_dir(tmp_path)
            shots.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shots / "temporal-ui-timeline.png"))

            page.get_by_role("tab", name="User Metadata").click()
            # The UI renders summaries and details (markdown) in sandboxed iframes.
            eventually_blocking(lambda: shown(page, "Follow-up pathway of patient DEMO-0001, centre C13"),
                                interval_s=0.2, what="the static summary in the UI")
            eventually_blocking(lambda: shown(page, "2027-03-01 · R15 treatment_validation · upcoming"),
                                interval_s=0.2, what="the live details in the UI")
            page.screenshot(path=str(shots / "temporal-ui-details.png"))
            browser.close()
    finally:
        stack.stop()
    assert all((shots / name).stat().st_size > 10_000 for name in ("temporal-ui-timeline.png", "temporal-ui-details.png"))
