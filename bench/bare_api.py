"""The HTTP floor of the ingestion benchmark, `python -m bench.bare_api --port N`: the bare
baseline's update-with-start behind the same HTTP server as `pathway api` (uvicorn with
`server_config`, FastAPI, the project's data converter), with nothing else in between: no
token, no validation, no database. What it adds to bare update-with-start is what any HTTP
front of Temporal costs on this machine, before the first line of clinical code."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

import uvicorn
from fastapi import FastAPI, Request

from bench.drivers import bare_update
from pathway_runtime.config import load_config
from pathway_runtime.http_server import server_config
from pathway_runtime.temporal import connect_temporal


def create_app(client, task_queue: str) -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/v1/events", status_code=201)
    async def post_event(request: Request) -> dict[str, Any]:
        item = await request.json()
        updates = await bare_update(client, task_queue, f"bare-http-{item['patient_ref']}", item)
        return {"updates": updates}

    return app


async def serve(port: int) -> None:
    config = load_config()
    client = await connect_temporal(config)
    server = uvicorn.Server(server_config(create_app(client, config.task_queue), "127.0.0.1", port))
    await server.serve()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    asyncio.run(serve(parser.parse_args().port))


if __name__ == "__main__":
    main()
