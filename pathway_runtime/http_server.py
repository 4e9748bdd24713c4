"""An ASGI app served by uvicorn inside a running asyncio program (the dev stack, tests),
leaving signal handling to the program."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator

import uvicorn


class _QuietServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:  # the host program owns SIGINT/SIGTERM
        yield


@contextlib.asynccontextmanager
async def serving(app, host: str, port: int) -> AsyncIterator[int]:
    """Serve `app` until the block ends; yields the bound port (useful with port 0)."""
    server = _QuietServer(uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False,
                                         lifespan="on", ws="none"))
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
