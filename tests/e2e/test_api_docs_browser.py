"""The API's documentation in a real headless Chromium with the network cut off (every request
that does not go to the server on loopback is aborted, as a hospital network filtering CDNs
does): /docs shows every operation and one example per event type; /redoc shows the contract."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import sync_playwright

from domain.events import EVENT_TYPES
from tests.e2e.test_temporal_ui_browser import ARGS, CHROMIUM

OPERATIONS = ("Record clinical events", "The patient's care plan", "The patient's recorded events",
              "The patient's reminders and their delivery", "Obligations across patients, by due date")


def test_the_api_docs_render_offline_with_every_operation_and_an_example_per_event_type(user_stack):
    api = f"http://127.0.0.1:{user_stack.api_port}"
    outside: list[tuple[str, str]] = []

    def loopback_only(route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            outside.append((route.request.resource_type, route.request.url))
            route.abort("internetdisconnected")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1440, "height": 1000})
        context.route("**/*", loopback_only)
        page = context.new_page()

        page.goto(f"{api}/docs", wait_until="domcontentloaded")
        for operation in OPERATIONS:
            page.get_by_text(operation, exact=True).first.wait_for(timeout=30_000)
        page.get_by_text("Record clinical events", exact=True).first.click()
        examples = page.locator("select.examples-select-element").first
        examples.wait_for(timeout=30_000)
        assert examples.locator("option").all_inner_texts() == [*EVENT_TYPES, "a batch"]
        examples.select_option("treatment_started")
        page.get_by_text('"molecule": "natalizumab"').first.wait_for(timeout=10_000)

        page.goto(f"{api}/redoc", wait_until="domcontentloaded")
        page.get_by_text("The event contract").first.wait_for(timeout=30_000)
        page.get_by_text("requires onset_on").first.wait_for(timeout=10_000)
        browser.close()

    assert not [url for kind, url in outside if kind in ("script", "stylesheet", "document", "fetch", "xhr")], outside
