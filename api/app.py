"""The application factory. `create_app(config)` serves the real stack (its lifespan makes
the process's one pool and Temporal client); tests pass their own `client` and `pool`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi_offline import FastAPIOffline
from pydantic import TypeAdapter
from temporalio.client import Client

from api import (
    contract,
    routes_events,
    routes_fhir,
    routes_health,
    routes_patients,
    routes_simulations,
    routes_staff,
    routes_worklist,
)
from api.models import EventSubmission
from api.problems import PROBLEM_JSON, install_handlers
from api.request_log import RequestLog
from api.runtime import Runtime
from api.temporal import connect_lazily
from domain.events import EVENT_TYPES
from domain.ruleset import RulesetRegistry
from pathway_runtime.bootstrap import fhir_mapping_for, rulesets_for
from pathway_runtime.config import AppConfig, ConfigError
from pathway_runtime.presence import announced
from store.db import create_pool

API_VERSION = "1.0.0"


def create_app(config: AppConfig, *, client: Client | None = None, pool: asyncpg.Pool | None = None) -> FastAPI:
    # One schema per model (validation mode) for requests and responses alike, so the event
    # models in the hand-added request body are the very components the responses use.
    # FastAPIOffline (fastapi-offline): /docs and /redoc load Swagger UI and ReDoc from the
    # installed package, not from a CDN that hospital networks often filter.
    rulesets = rulesets_for(config)  # a bad ruleset file stops the API here (ConfigError)
    fhir_mapping_for(config)  # and so does a bad FHIR mapping
    app = FastAPIOffline(title="MS follow-up pathway API", version=API_VERSION,
                         description=contract.description(rulesets),
                         lifespan=_lifespan(config, client, pool), separate_input_output_schemas=False)
    # Each route carries its full path (/v1/...), which the request log shows as the route.
    for module in (routes_events, routes_fhir, routes_patients, routes_worklist, routes_simulations, routes_health,
                   routes_staff):
        app.include_router(module.router)
    install_handlers(app)
    app.add_middleware(RequestLog)
    app.openapi = lambda: _openapi(app, rulesets)  # type: ignore[method-assign]
    return app


def _lifespan(config: AppConfig, client: Client | None, pool: asyncpg.Pool | None):
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own_pool = pool is None
        if own_pool and not config.database_url:
            raise ConfigError("DATABASE_URL is not set; the API needs PostgreSQL (tokens, events, worklists)")
        the_client = client or await connect_lazily(config)
        # min_size=0: the API starts, and /readyz reports, while PostgreSQL is still down.
        the_pool = pool or await create_pool(config.database_url or "", min_size=0, max_size=10)
        app.state.runtime = Runtime.wire(config, the_client, the_pool)
        try:
            async with announced(the_pool, "api", app.state.runtime.intake.rulesets.versions()):
                yield
        finally:
            if own_pool:
                await the_pool.close()

    return lifespan


def _openapi(app: FastAPI, rulesets: RulesetRegistry) -> dict[str, Any]:
    """FastAPI's document, plus the request bodies of POST /v1/events and POST /v1/simulations:
    the routes read the body themselves (size cap, strict JSON, per-event errors), so their
    schemas are added here, from the same domain models that validate them."""
    if app.openapi_schema is None:
        document = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes,
                               separate_input_output_schemas=False)
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        for component, model in (("EventSubmission", EventSubmission),
                                 ("SimulationRequest", routes_simulations.SimulationRequest)):
            body = TypeAdapter(model).json_schema(ref_template="#/components/schemas/{model}")
            for name, schema in body.pop("$defs", {}).items():
                if name in schemas and _without_defaults(schemas[name]) != _without_defaults(schema):
                    raise RuntimeError(f"OpenAPI component {name!r} differs between request and response")
                schemas[name] = schema
            schemas[component] = body
        _type_is_required(schemas)
        _onset_required_for_cis(schemas)
        _codes_in_force(schemas, rulesets)
        _problems_as_problem_json(document)
        post = document["paths"]["/v1/events"]["post"]
        post["requestBody"]["content"]["application/json"]["examples"] = contract.request_examples()
        post["responses"]["200"]["content"] = post["responses"]["201"]["content"]
        app.openapi_schema = document
    return app.openapi_schema


def _type_is_required(schemas: dict[str, Any]) -> None:
    """The models give `type` a default (its own tag), so pydantic documents it as optional; the
    discriminated union needs it in every event, as the contract says."""
    for schema in schemas.values():
        tag = schema.get("properties", {}).get("type", {})
        if tag.get("const") in EVENT_TYPES:
            tag.pop("default", None)
            schema["required"] = ["type", *[r for r in schema.get("required", []) if r != "type"]]


def _codes_in_force(schemas: dict[str, Any], rulesets: RulesetRegistry) -> None:
    """Molecule and panel fields list the codes of the rulesets in force as `examples`, not as an
    `enum`: a name or alias (a brand name, any case) is accepted too, and which codes a patient
    may use depends on its centre's ruleset (the intake checks them, `domain.catalogue`)."""
    codes = {"molecule": rulesets.molecule_codes(), "from_molecule": rulesets.molecule_codes(),
             "to_molecule": rulesets.molecule_codes(), "panel": rulesets.panel_codes()}
    for schema in schemas.values():
        if schema.get("properties", {}).get("type", {}).get("const") not in EVENT_TYPES:
            continue
        for name, prop in schema["properties"].items():
            if name in codes and codes[name]:
                prop["examples"] = codes[name]


def _onset_required_for_cis(schemas: dict[str, Any]) -> None:
    """The one conditional field, in JSON Schema terms too (OpenAPI 3.1): a `cis` diagnosis needs a date."""
    schemas["DiagnosisRecorded"]["if"] = {"properties": {"diagnosis": {"const": "cis"}}, "required": ["diagnosis"]}
    schemas["DiagnosisRecorded"]["then"] = {"properties": {"onset_on": {"type": "string", "format": "date"}},
                                            "required": ["onset_on"]}


def _problems_as_problem_json(document: dict[str, Any]) -> None:
    """FastAPI files a response model under application/json; problems are application/problem+json."""
    for operation in (op for path in document["paths"].values() for op in path.values()):
        for response in operation.get("responses", {}).values():
            content = response.get("content", {})
            if PROBLEM_JSON in content and "application/json" in content:
                content[PROBLEM_JSON] = content.pop("application/json")


def _without_defaults(schema: Any) -> Any:
    """FastAPI leaves out `"default": null`; beside that the two generators must agree."""
    if isinstance(schema, dict):
        return {k: _without_defaults(v) for k, v in schema.items() if k != "default"}
    if isinstance(schema, list):
        return [_without_defaults(v) for v in schema]
    return schema
