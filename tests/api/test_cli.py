"""The API's CLI: `pathway token create|list|revoke` and `pathway api`, run as users run them."""

from __future__ import annotations

import asyncio
import os
import signal
import uuid

import httpx

from pathway_runtime.ports import free_port
from store.tokens import TokenStore
from tests.support.api import event
from tests.support.cli import PATHWAY, TEST_CODEC_KEYS, run_cli
from tests.support.waiting import eventually


async def cli(*args: str, env: dict[str, str]):
    return await asyncio.to_thread(run_cli, *args, env=env)


async def test_a_token_is_printed_once_listed_without_its_secret_and_revoked_by_name(database, pool):
    env = {"DATABASE_URL": database}
    name = f"lab-{uuid.uuid4().hex[:8]}"

    created = await cli("token", "create", "--name", name, "--role", "integration", env=env)
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip()
    assert token.startswith("pw_") and "shown once" in created.stderr
    assert (await TokenStore(pool).authenticate(token)).name == name

    listed = await cli("token", "list", env=env)
    assert name in listed.stdout and "integration" in listed.stdout and token not in listed.stdout

    again = await cli("token", "create", "--name", name, "--role", "staff", env=env)
    assert again.returncode == 1 and "already named" in again.stderr

    revoked = await cli("token", "revoke", name, env=env)
    assert revoked.returncode == 0 and await TokenStore(pool).authenticate(token) is None
    assert (await cli("token", "revoke", name, env=env)).returncode == 1
    assert (await cli("token", "create", "--name", name, "--role", "root", env=env)).returncode == 2


async def test_pathway_api_serves_events_in_and_plans_out_and_stops_on_sigterm(env, pathway_worker, database):
    port = free_port()
    variables = {"DATABASE_URL": database, "TEMPORAL_ADDRESS": env.client.service_client.config.target_host,
                 "PATHWAY_TASK_QUEUE": pathway_worker.task_queue}
    integration = (await cli("token", "create", "--name", f"i-{uuid.uuid4().hex[:8]}", "--role", "integration",
                             env=variables)).stdout.strip()
    staff = (await cli("token", "create", "--name", f"s-{uuid.uuid4().hex[:8]}", "--role", "staff",
                       env=variables)).stdout.strip()
    process = await asyncio.create_subprocess_exec(
        PATHWAY, "api", "--port", str(port), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PATHWAY_LOG_FORMAT": "json", "PATHWAY_CODEC_KEYS": TEST_CODEC_KEYS, **variables})
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            await eventually(lambda: _get(http, "/readyz"), lambda status: status == 200,
                             what="`pathway api` ready (/readyz 200)")
            ref = f"CLI{uuid.uuid4().hex[:10]}"
            posted = await http.post("/v1/events", headers={"Authorization": f"Bearer {integration}"},
                                     json=event(ref, "treatment_started", molecule="ocrelizumab"))
            plan = await http.get(f"/v1/patients/{ref}/plan", headers={"Authorization": f"Bearer {staff}"})
            docs = await http.get("/docs")
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)

    assert posted.status_code == 201, posted.text
    assert plan.status_code == 200 and plan.json()["molecule"] == "ocrelizumab"
    assert docs.status_code == 200
    assert process.returncode == 0, stderr.decode()[-2000:]
    assert f"http://127.0.0.1:{port}/docs" in stderr.decode()
    assert integration not in stderr.decode() and staff not in stderr.decode()


async def _get(http: httpx.AsyncClient, path: str) -> int | None:
    try:
        return (await http.get(path)).status_code
    except httpx.TransportError:
        return None


