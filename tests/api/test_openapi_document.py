"""The OpenAPI document is enough to integrate from: every event type has a description, a
description per field and a valid example; molecules are the catalogue's codes; the rules a
schema cannot carry are in the descriptions; the pages load nothing from outside the server."""

from __future__ import annotations

import re

import httpx
import pytest

from api.app import create_app
from domain.events import EVENT_TYPES, check_admissible, parse_event
from pathway_runtime.config import AppConfig
from rulesets import EXAMPLES
from rulesets import default as default_ruleset
from tests.support.events import today

APP = create_app(AppConfig(database_url="postgresql://unused/unused"))  # no request reaches the lifespan
DOCUMENT = APP.openapi()
SCHEMAS = DOCUMENT["components"]["schemas"]
EVENT_SCHEMAS = {s["properties"]["type"]["const"]: s for s in SCHEMAS.values()
                 if s.get("properties", {}).get("type", {}).get("const") in EVENT_TYPES}
BODY = DOCUMENT["paths"]["/v1/events"]["post"]["requestBody"]["content"]["application/json"]


def test_every_event_type_is_published_with_a_description_and_a_description_per_field():
    assert set(EVENT_SCHEMAS) == set(EVENT_TYPES)
    for type_, schema in EVENT_SCHEMAS.items():
        assert len(schema.get("description", "")) > 30, type_
        undocumented = [name for name, prop in schema["properties"].items() if name != "type" and not prop.get("description")]
        assert not undocumented, f"{type_}: {undocumented}"


@pytest.mark.parametrize("type_", EVENT_TYPES)
def test_every_event_type_has_an_example_the_api_would_accept(type_):
    schema_examples = EVENT_SCHEMAS[type_]["examples"]
    body_example = BODY["examples"][type_]["value"]
    for example in (*schema_examples, body_example):
        event = parse_event(example)
        check_admissible(event, today())
        assert event.type == type_


def test_the_request_body_has_one_example_per_event_type_and_a_batch():
    assert list(BODY["examples"]) == [*EVENT_TYPES, "batch"]
    batch = BODY["examples"]["batch"]["value"]["events"]
    assert len({e["event_id"] for e in batch}) == len(batch) >= 2
    for event in batch:
        parse_event(event)


DEFAULT_CODES = default_ruleset().molecule_codes()


def test_molecule_fields_list_the_codes_in_force_as_examples_never_as_an_enum_since_aliases_are_accepted():
    fields = [(t, name, prop) for t, s in EVENT_SCHEMAS.items() for name, prop in s["properties"].items()
              if name in ("molecule", "from_molecule", "to_molecule")]
    assert len(fields) == 5
    for type_, name, prop in fields:
        assert prop["examples"] == DEFAULT_CODES and "enum" not in prop, f"{type_}.{name}"
        assert "alias" in prop["description"], f"{type_}.{name}"


def test_a_centre_with_its_own_ruleset_has_its_codes_aliases_and_panels_in_the_document():
    config = AppConfig(database_url="postgresql://unused/unused",
                       centre_rulesets=f"C13={EXAMPLES / 'current-therapies.yaml'}")
    document = create_app(config).openapi()
    contract = document["info"]["description"]
    assert "ofatumumab` (also Kesimpta)" in contract and "`anti_jcv_serology`" in contract
    assert "for `C13`" in contract and "the default, for centres not listed" in contract
    started = document["components"]["schemas"]["TreatmentStarted"]["properties"]["molecule"]
    assert "ofatumumab" in started["examples"] and set(DEFAULT_CODES) <= set(started["examples"])
    panel = document["components"]["schemas"]["LabTestPerformed"]["properties"]["panel"]
    assert "anti_jcv_serology" in panel["examples"]


def test_the_rules_a_schema_cannot_carry_are_in_the_descriptions():
    diagnosis = EVENT_SCHEMAS["diagnosis_recorded"]
    assert "Required when `diagnosis` is `cis`" in diagnosis["properties"]["onset_on"]["description"]
    assert diagnosis["then"]["required"] == ["onset_on"]
    occurred_on = EVENT_SCHEMAS["mri_performed"]["properties"]["occurred_on"]["description"]
    assert "not after today" in occurred_on and "Europe/Paris" in occurred_on
    contract = DOCUMENT["info"]["description"]
    for rule in ("requires `onset_on`", "not after today", "all or nothing", "`409`, `pathway-ended`",
                 "`to_molecule` differs from `from_molecule`", *DEFAULT_CODES):
        assert rule in contract, rule
    for type_ in EVENT_TYPES:
        assert f"| `{type_}` |" in contract


def test_the_document_points_to_nothing_integrators_do_not_have():
    text = str(DOCUMENT)
    assert "PATHWAY_RULES" not in text and "../shared" not in text


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_the_docs_pages_load_their_assets_from_the_server_itself(page):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=APP), base_url="http://api") as http:
        html = (await http.get(page)).text
        await _assets_served(http, page, html)


async def _assets_served(http: httpx.AsyncClient, page: str, html: str) -> None:
    assets = re.findall(r"""(?:src|href)\s*=\s*['"]([^'"]+)['"]""", html) + re.findall(r"""(?:url)\s*:\s*['"]([^'"]+)['"]""", html)
    assert assets, html
    outside = [a for a in assets if re.match(r"(https?:)?//", a)]
    assert not outside, f"{page} loads from outside the server: {outside}"
    for asset in assets:
        if asset.startswith("/static-offline-docs/"):
            assert (await http.get(asset)).status_code == 200, asset
