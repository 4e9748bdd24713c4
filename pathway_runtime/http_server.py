"""An ASGI app served by uvicorn inside a running asyncio program (the dev stack, tests),
leaving signal handling to the program."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator

import uvicorn

KEEP_ALIVE_S = 75
"""Idle keep-alive connections stay open this long. uvicorn's default (5 s) races with
clients and proxies that reuse a connection just as the server closes it (the client
sees a reset); 75 s outlasts common proxy and client idle timeouts."""


def server_config(app, host: str, port: int, **kw) -> uvicorn.Config:
    """log_config=None: uvicorn's records go through the process's structlog setup; its
    access log is off (the API keeps its own request log, without query strings)."""
    return uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False, server_header=False,
                          timeout_keep_alive=KEEP_ALIVE_S, **kw)


class _QuietServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:  # the host program owns SIGINT/SIGTERM
        yield


@contextlib.asynccontextmanager
async def serving(app, host: str, port: int) -> AsyncIterator[int]:
    """Serve `app` until the block ends; yields the bound port (useful with port 0)."""
    server = _QuietServer(server_config(app, host, port, lifespan="on", ws="none"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            await task
            raise RuntimeError(f"could not serve on {host}:{port}")
        await asyncio.sleep(0.02)
    bound = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield bound
    finally:
        server.should_exit = True
        await task
