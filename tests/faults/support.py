"""What the fault tests start, break and restart themselves: a Temporal dev server
persisted to a file, a TCP proxy that can cut a link, an SMTP catcher that can stop a
delivery at RCPT, and the environment of a real `python -m worker` process."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import UTC
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from temporalio.client import Client

from codec.aes import data_converter, parse_keys
from pathway_cli.temporal_server import DevServer, dev_server_argv
from pathway_runtime.ports import free_port
from tests.support.cli import TEST_CODEC_KEYS


async def connect_client(address: str) -> Client:
    """A client that encrypts payloads with the test key, as the worker process does."""
    return await Client.connect(address, data_converter=data_converter(parse_keys(TEST_CODEC_KEYS, None)))


class TemporalDevServer(DevServer):
    """`temporal server start-dev` persisted to `db_file`, on a fixed loopback port so that
    a worker and clients reconnect to the same address after a restart. Time skipping is
    enabled (driven per workflow with `TimeSkipper.fast_forward`) and the project's search
    attributes are registered, as `pathway dev` registers them."""

    def __init__(self, db_file: Path) -> None:
        port = free_port()
        super().__init__(dev_server_argv(port, db_file=db_file, time_skipping=True), port, db_file.with_suffix(".log"))


class TcpProxy:
    """Forwards a loopback TCP port to a TCP `target` (host, port) or, given a path, to a
    unix socket. `cut_upstream()` plays a network partition from the client's side: what
    the client sends from then on is held, never delivered. `inject_downstream(data)` hands
    every client bytes as if the server had sent them. `close()` drops every connection."""

    def __init__(self, target: tuple[str, int] | str) -> None:
        self._target = target
        self._upstream_open = asyncio.Event()
        self._upstream_open.set()
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: list[asyncio.StreamWriter] = []
        self._client_writers: list[asyncio.StreamWriter] = []
        self.port = 0

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._connected, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def cut_upstream(self) -> None:
        self._upstream_open.clear()

    def inject_downstream(self, data: bytes) -> None:
        for writer in self._client_writers:
            writer.write(data)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        for writer in self._writers:
            writer.close()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def _open_upstream(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if isinstance(self._target, str):
            return await asyncio.open_unix_connection(self._target)
        return await asyncio.open_connection(*self._target)

    async def _connected(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            server_reader, server_writer = await self._open_upstream()
        except OSError:
            client_writer.close()
            return
        self._writers += [client_writer, server_writer]
        self._client_writers.append(client_writer)
        for pipe in (self._pipe(client_reader, server_writer, self._upstream_open),
                     self._pipe(server_reader, client_writer, None)):
            task = asyncio.create_task(pipe)
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, gate: asyncio.Event | None) -> None:
        with contextlib.suppress(OSError):
            while data := await reader.read(65536):
                if gate is not None:
                    await gate.wait()
                writer.write(data)
                await writer.drain()
        writer.close()


def postgres_proxy(dsn: str) -> tuple[TcpProxy, Callable[[TcpProxy], str]]:
    """A proxy in front of the PostgreSQL server `dsn` names (TCP or unix socket), and how to
    make the DSN that goes through it once it listens."""
    parts = urlsplit(dsn)
    socket_dir = parse_qs(parts.query).get("host", [None])[0] or parts.hostname or "127.0.0.1"
    port = parts.port or 5432
    target: tuple[str, int] | str = f"{socket_dir}/.s.PGSQL.{port}" if socket_dir.startswith("/") \
        else (socket_dir, port)
    user = parts.username or "postgres"
    password = f":{parts.password}" if parts.password else ""

    def through(proxy: TcpProxy) -> str:
        return f"postgresql://{user}{password}@127.0.0.1:{proxy.port}{parts.path}"

    return TcpProxy(target), through


async def delivery_attempts(handle) -> list[int]:  # noqa: ANN001
    """The attempt number of each finished `send_reminder` activity, from the workflow history
    (an attempt above 1 is a delivery retried after a failure or a lost worker)."""
    deliveries: set[int] = set()
    attempts: list[int] = []
    async for event in handle.fetch_history_events():
        if event.HasField("activity_task_scheduled_event_attributes"):
            if event.activity_task_scheduled_event_attributes.activity_type.name == "send_reminder":
                deliveries.add(event.event_id)
        elif event.HasField("activity_task_started_event_attributes"):
            started = event.activity_task_started_event_attributes
            if started.scheduled_event_id in deliveries:
                attempts.append(started.attempt)
    return attempts


async def delivery_spans(handle) -> list[tuple]:  # noqa: ANN001
    """(scheduled, completed): the (virtual) times at which each finished `send_reminder`
    activity was first scheduled and at which it completed, from the history. The span does
    not depend on when a test looked at the clock."""
    scheduled: dict[int, object] = {}
    spans = []
    async for event in handle.fetch_history_events():
        if event.HasField("activity_task_scheduled_event_attributes"):
            if event.activity_task_scheduled_event_attributes.activity_type.name == "send_reminder":
                scheduled[event.event_id] = event.event_time.ToDatetime(tzinfo=UTC)
        elif event.HasField("activity_task_completed_event_attributes"):
            origin = event.activity_task_completed_event_attributes.scheduled_event_id
            if origin in scheduled:
                spans.append((scheduled[origin], event.event_time.ToDatetime(tzinfo=UTC)))
    return spans


async def delivery_completions(handle) -> list:  # noqa: ANN001
    """The (virtual) time at which each `send_reminder` activity completed, from the history."""
    deliveries: set[int] = set()
    done = []
    async for event in handle.fetch_history_events():
        if event.HasField("activity_task_scheduled_event_attributes"):
            if event.activity_task_scheduled_event_attributes.activity_type.name == "send_reminder":
                deliveries.add(event.event_id)
        elif event.HasField("activity_task_completed_event_attributes"):
            if event.activity_task_completed_event_attributes.scheduled_event_id in deliveries:
                done.append(event.event_time.ToDatetime(tzinfo=UTC))
    return done
