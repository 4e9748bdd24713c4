"""`pathway codec-server` (serve /encode and /decode for the Temporal UI and CLI) and
`pathway codec-key` (print a new random key for PATHWAY_CODEC_KEYS)."""

from __future__ import annotations

import argparse

from pathway_runtime.config import AppConfig, ConfigError

COMMANDS = {"codec-server", "codec-key"}


def add_parsers(commands) -> None:
    server = commands.add_parser("codec-server", help="serve the payload codec for the Temporal UI (needs PATHWAY_CODEC_KEYS)")
    server.add_argument("--host", default="127.0.0.1")
    server.add_argument("--port", type=int, help="default PATHWAY_CODEC_SERVER_PORT (8081)")
    commands.add_parser("codec-key", help="print a new random AES-256 key (base64) for PATHWAY_CODEC_KEYS")


def run(args: argparse.Namespace, config: AppConfig) -> int:
    from codec.aes import new_key

    if args.command == "codec-key":
        print(new_key())
        return 0
    import uvicorn

    from codec.server import create_codec_app
    from pathway_runtime.temporal import codec_keys

    keys = codec_keys(config)
    if keys is None:
        raise ConfigError("the codec server has nothing to decrypt with under PATHWAY_INSECURE_PLAINTEXT_PAYLOADS; "
                          "set PATHWAY_CODEC_KEYS")
    if not config.codec_server_token:
        raise ConfigError("PATHWAY_CODEC_SERVER_TOKEN is not set (16+ characters)")
    app = create_codec_app(keys, config.codec_server_token.get_secret_value(), config.codec_ui_origin)
    uvicorn.run(app, host=args.host, port=args.port or config.codec_server_port, log_config=None, access_log=False)
    return 0
