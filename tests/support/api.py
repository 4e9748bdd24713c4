"""The API served by uvicorn on a free loopback port, in the test's event loop, on the
real stack of the integration tests: the Temporal dev server, a worker on a fresh task
queue, PostgreSQL. Tests talk to it over real HTTP. The `api` fixture is registered by the
root `tests/conftest.py`."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import pytest_asyncio
from fastapi import FastAPI
from temporalio.client import Client

from api.app import create_app
from pathway_runtime.config import AppConfig
from pathway_runtime.http_server import serving as serve_in_process
from store.tokens import TokenStore
from tests.support.cli import TEST_CODEC_KEYS
from tests.support.events import event_data, today
from tests.support.waiting import eventually

__all__ = ["Api", "api_on", "bearer", "config_for", "event", "serving", "stored_events", "today"]


@asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[str]:
    """Run `app` under uvicorn on 127.0.0.1 (a port the OS picks), as `pathway dev` does;
    yield its base URL."""
    async with serve_in_process(app, "127.0.0.1", 0) as port:
        yield f"http://127.0.0.1:{port}"


@dataclass
class Api:
    url: str
    http: httpx.AsyncClient
    integration: dict[str, str]
    """Authorization header of an integration token (named `integration_name`)."""
    staff: dict[str, str]
    integration_name: str
    client: Client
    pool: Any
    config: AppConfig

    async def post(self, body: Any, **kw) -> httpx.Response:
        return await self.http.post("/v1/events", json=body, headers=self.integration, **kw)

    async def get(self, path: str, **kw) -> httpx.Response:
        return await self.http.get(path, headers=self.staff, **kw)


async def bearer(db_pool, role: str, name: str | None = None) -> tuple[str, dict[str, str]]:
    name = name or f"{role}-{uuid.uuid4().hex[:8]}"
    token, _ = await TokenStore(db_pool).create(name, role)  # type: ignore[arg-type]
    return name, {"Authorization": f"Bearer {token}"}


def config_for(running, **overrides: Any) -> AppConfig:
    """The API on the test's stack; reminders go out as soon as a plan is settled unless a test
    sets `reminder_quiet_seconds`."""
    settings = {"api_temporal_timeout_s": 20.0, "reminder_quiet_seconds": 0.0, **overrides}
    return AppConfig(temporal_address=running.client.service_client.config.target_host,
                     task_queue=running.task_queue, codec_keys=TEST_CODEC_KEYS, **settings)


@asynccontextmanager
async def api_on(running, db_pool, **overrides: Any) -> AsyncIterator[Api]:
    config = config_for(running, **overrides)
    async with serving(create_app(config, client=running.client, pool=db_pool)) as url:
        async with httpx.AsyncClient(base_url=url, timeout=60) as http:
            integration_name, integration = await bearer(db_pool, "integration")
            _, staff = await bearer(db_pool, "staff")
            yield Api(url, http, integration, staff, integration_name, running.client, db_pool, config)


@pytest_asyncio.fixture
async def api(pathway_worker, pool) -> AsyncIterator[Api]:
    async with api_on(pathway_worker, pool) as served:
        yield served


def event(ref: str, type_: str, event_id: str | None = None, on: date | None = None, **fields: Any) -> dict:
    """An event as the API receives it (JSON-shaped), for patient `ref`."""
    return event_data(type_, on, patient_ref=ref, event_id=event_id, **fields)


async def stored_events(api: Api, ref: str, count: int) -> list[dict]:
    """The patient's events once the event store has `count` of them."""
    response = await eventually(lambda: api.get(f"/v1/patients/{ref}/events"),
                                lambda r: r.status_code == 200 and len(r.json()["events"]) >= count,
                                what=f"{count} stored event(s) of {ref}")
    return response.json()["events"]
