"""CLI commands of the HTTP API: `pathway api` serves it; `pathway token create|revoke|list`
manages its bearer tokens (PostgreSQL, DATABASE_URL)."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

import asyncpg

from pathway_cli.render import table
from pathway_runtime.config import AppConfig, ConfigError
from store.db import create_pool
from store.tokens import ROLES, TokenStore

API_COMMANDS = {"api", "token"}


def add_parsers(commands) -> None:
    api = commands.add_parser("api", help="serve the HTTP API (uvicorn); needs DATABASE_URL and Temporal")
    api.add_argument("--host", help="address to listen on (default PATHWAY_API_HOST or 127.0.0.1)")
    api.add_argument("--port", type=int, help="port (default PATHWAY_API_PORT or 8000)")

    token = commands.add_parser("token", help="bearer tokens of the HTTP API")
    token_commands = token.add_subparsers(dest="token_command", required=True)
    create = token_commands.add_parser("create", help="create a token and print it (once; only its hash is kept)")
    create.add_argument("--name", required=True, help="who uses it, e.g. lab-integration (recorded as the sender)")
    create.add_argument("--role", required=True, choices=ROLES,
                        help="integration: may post events; staff: may read plans, events, reminders, worklists")
    revoke = token_commands.add_parser("revoke", help="revoke the active token of that name")
    revoke.add_argument("name")
    token_commands.add_parser("list", help="list tokens (names, roles, dates; never the tokens)")


def run_api_command(args: argparse.Namespace, config: AppConfig) -> int:
    if args.command == "api":
        return serve(config, args.host or config.api_host, args.port or config.api_port)
    return asyncio.run(_token_command(args, config))


def serve(config: AppConfig, host: str, port: int) -> int:
    import uvicorn

    from api.app import create_app
    from pathway_runtime.http_server import server_config
    from pathway_runtime.temporal import converter_for

    if not config.database_url:
        raise ConfigError("DATABASE_URL is not set; the API needs PostgreSQL (`pathway dev` starts one)")
    converter_for(config)  # no payload-encryption key: refuse to start (the client is made lazily)
    print(f"API:  http://{host}:{port}/v1  (OpenAPI docs: http://{host}:{port}/docs)", file=sys.stderr, flush=True)
    if config.metrics_port:  # the intake's counters (events stored, refused, deliveries pending)
        from pathway_runtime.metrics import serve_metrics

        serve_metrics(config.metrics_host, config.metrics_port)
    server = uvicorn.Server(server_config(create_app(config), host, port, proxy_headers=False))
    # uvicorn stops gracefully on SIGINT/SIGTERM, then raises the signal again for the handler
    # it found installed: with this one there, the command ends with its own exit code (0).
    received: list[int] = []
    previous = {sig: signal.signal(sig, lambda number, frame: received.append(number))
                for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0 if server.started else 1


async def _token_command(args: argparse.Namespace, config: AppConfig) -> int:
    if not config.database_url:
        raise ConfigError("DATABASE_URL is not set; point it at PostgreSQL (see README)")
    async with await create_pool(config.database_url, min_size=1, max_size=1) as pool:
        try:
            return await _tokens(args, TokenStore(pool))
        except asyncpg.UndefinedTableError:
            raise ConfigError("the database has no api_tokens table yet; run `pathway db migrate`") from None


async def _tokens(args: argparse.Namespace, tokens: TokenStore) -> int:
    if args.token_command == "create":
        token, record = await tokens.create(args.name, args.role)
        print(token)  # alone on stdout, for TOKEN=$(pathway token create ...)
        print(f"token {record.name!r} ({record.role}) created; it is shown once, keep it now", file=sys.stderr)
    elif args.token_command == "revoke":
        record = await tokens.revoke(args.name)
        print(f"token {record.name!r} ({record.role}) revoked")
    else:
        rows = [[r.name, r.role, r.created_at.isoformat(timespec="seconds"),
                 r.revoked_at.isoformat(timespec="seconds") if r.revoked_at else ""] for r in await tokens.list()]
        print(table(["name", "role", "created_at", "revoked_at"], rows))
    return 0
