"""`pathway dev`: the local stack in one command. A Temporal dev server (persisted, Web
UI on), PostgreSQL (embedded unless DATABASE_URL is set; migrations applied), a local
SMTP server catching e-mails into the data directory (unless SMTP_HOST is set), and
the worker; stopped together on Ctrl-C or SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
from contextlib import AsyncExitStack
from pathlib import Path

import structlog

from delivery.mail_catcher import MailCatcher
from pathway_cli.temporal_server import find_temporal_binary
from pathway_runtime.config import AppConfig
from store.db import StoreError, create_pool
from store.directory import Directory
from store.embedded import EmbeddedPostgres
from store.migrate import apply_migrations
from worker import run_worker
from workflows import search_attributes
from workflows.gateway import connect

STARTUP_TIMEOUT_S = 30.0


class DevError(Exception):
    pass


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def server_command(data_dir: Path, port: int, ui_port: int) -> list[str]:
    return [
        find_temporal_binary(), "server", "start-dev",
        "--ip", "127.0.0.1", "--port", str(port), "--ui-port", str(ui_port),
        "--db-filename", str(data_dir / "temporal.db"), "--log-level", "warn",
        *search_attributes.dev_server_flags(),
    ]


async def run_dev(config: AppConfig, data_dir: Path, port: int, ui_port: int, smtp_port: int,
                  directory: Path | None) -> None:
    for p in (port, ui_port):
        if port_in_use(p):
            raise DevError(f"port {p} on 127.0.0.1 is already in use; choose others with --port/--ui-port")
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    stop = _stop_event()
    async with AsyncExitStack() as stack:
        config = await _database(stack, config, data_dir, directory)
        config = await _mail(stack, config, data_dir, smtp_port)
        await _temporal_and_worker(config, data_dir, port, ui_port, stop)


async def _database(stack: AsyncExitStack, config: AppConfig, data_dir: Path, directory: Path | None) -> AppConfig:
    if config.database_url:
        print("PostgreSQL:      DATABASE_URL (existing server)", flush=True)
    else:
        embedded = stack.enter_context(EmbeddedPostgres(data_dir / "postgres"))
        config = config.model_copy(update={"database_url": embedded.uri})
        print(f"PostgreSQL:      embedded, data in {data_dir / 'postgres'}", flush=True)
        print(f"                 DATABASE_URL={embedded.uri}", flush=True)
    pool = await create_pool(config.database_url)
    try:
        applied = await apply_migrations(pool)
        print(f"                 migrations: {', '.join(applied) if applied else 'up to date'}", flush=True)
        if directory is not None:
            neurologists, centres = await Directory(pool).load(directory)
            print(f"                 directory: {neurologists} neurologists, {centres} centres from {directory}", flush=True)
    finally:
        await pool.close()
    return config


async def _mail(stack: AsyncExitStack, config: AppConfig, data_dir: Path, smtp_port: int) -> AppConfig:
    if config.smtp_host:
        print(f"SMTP:            {config.smtp_host}:{config.smtp_port}", flush=True)
        return config
    catcher = await stack.enter_async_context(MailCatcher(port=smtp_port, maildir=data_dir / "mail"))
    print(f"SMTP:            local catcher on 127.0.0.1:{catcher.port}, e-mails in {data_dir / 'mail'}", flush=True)
    return config.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": catcher.port})


async def _temporal_and_worker(config: AppConfig, data_dir: Path, port: int, ui_port: int, stop: asyncio.Event) -> None:
    log_path = data_dir / "temporal.log"
    with log_path.open("ab") as server_log:
        server = await asyncio.create_subprocess_exec(
            *server_command(data_dir, port, ui_port), stdout=server_log, stderr=server_log,
            stdin=asyncio.subprocess.DEVNULL, start_new_session=True,
        )
        try:
            address = f"127.0.0.1:{port}"
            await _wait_until_ready(address, server, log_path)
            print(f"Temporal server: {address}  (data: {data_dir / 'temporal.db'}, log: {log_path})", flush=True)
            print(f"Temporal UI:     http://127.0.0.1:{ui_port}/namespaces/default/workflows", flush=True)
            print("Worker running. Ctrl-C stops the worker and the server.", flush=True)
            worker_config = config.model_copy(update={"temporal_address": address})
            await run_worker(worker_config, stop)
        finally:
            await _stop_server(server)
            print("Stopped.", flush=True)


def _stop_event() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


async def _wait_until_ready(address: str, server: asyncio.subprocess.Process, log_path: Path) -> None:
    deadline = asyncio.get_running_loop().time() + STARTUP_TIMEOUT_S
    while True:
        if server.returncode is not None:
            raise DevError(f"the Temporal server exited with code {server.returncode}; see {log_path}")
        try:
            await connect(address)
            return
        except Exception:  # the server is not listening yet
            if asyncio.get_running_loop().time() > deadline:
                raise DevError(f"the Temporal server did not answer on {address} within {STARTUP_TIMEOUT_S:.0f} s; see {log_path}") from None
            await asyncio.sleep(0.2)


async def _stop_server(server: asyncio.subprocess.Process) -> None:
    if server.returncode is not None:
        return
    server.terminate()
    try:
        await asyncio.wait_for(server.wait(), timeout=10)
    except TimeoutError:
        structlog.get_logger("dev").warning("temporal server did not stop in 10 s; killing it")
        server.kill()
        await server.wait()


def main_dev(config: AppConfig, data_dir: Path, port: int, ui_port: int, smtp_port: int = 0,
             directory: Path | None = None) -> int:
    try:
        asyncio.run(run_dev(config, data_dir, port, ui_port, smtp_port, directory))
    except (DevError, FileNotFoundError, StoreError) as error:
        print(f"pathway dev: {error}", file=sys.stderr)
        return 1
    return 0
