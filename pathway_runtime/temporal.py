"""Temporal clients for this project: pydantic payloads, encrypted with the configured keys
(a client without keys refuses to start), and the SDK runtime's Prometheus metrics when a port is configured."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import structlog
from temporalio.client import Client
from temporalio.converter import DataConverter
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.worker import UnsandboxedWorkflowRunner

from codec.aes import CodecKeyError, CodecKeys, data_converter, parse_keys
from pathway_runtime.config import AppConfig, ConfigError, secret

_runtimes: dict[int, Runtime] = {}


NO_KEYS = (
    "no payload-encryption key: set PATHWAY_CODEC_KEYS (key_id:base64, a key from `pathway codec-key`) or "
    "PATHWAY_CODEC_KEYS_FILE. Beside `pathway dev`, commands find its key file through its stack file "
    "(.pathway/stack.env in the directory it was started from, or PATHWAY_STACK_ENV). "
    "PATHWAY_INSECURE_PLAINTEXT_PAYLOADS=true runs without encryption (tests only: Temporal would hold "
    "health data in clear)"
)


def codec_keys(config: AppConfig) -> CodecKeys | None:
    """The payload-encryption keys the configuration names; None only under
    PATHWAY_INSECURE_PLAINTEXT_PAYLOADS. Raises `ConfigError` (naming the setting) when there
    are none, when the key file cannot be read, or when keys and the opt-out are both set."""
    spec, source = secret(config.codec_keys), "PATHWAY_CODEC_KEYS"
    if not spec and config.codec_keys_file:
        source = "PATHWAY_CODEC_KEYS_FILE"
        try:
            spec = Path(config.codec_keys_file).read_text().strip()
        except OSError as error:
            raise ConfigError(f"invalid configuration: PATHWAY_CODEC_KEYS_FILE: cannot read "
                              f"{config.codec_keys_file} ({error.strerror})") from None
    if spec and config.insecure_plaintext_payloads:
        raise ConfigError(f"invalid configuration: PATHWAY_INSECURE_PLAINTEXT_PAYLOADS=true beside {source}: "
                          "choose encryption (unset the former) or, in a test, plain payloads (unset the latter)")
    if not spec:
        if config.insecure_plaintext_payloads:
            return None
        raise ConfigError(NO_KEYS)
    try:
        return parse_keys(spec, config.codec_active_key)
    except CodecKeyError as error:
        raise ConfigError(f"invalid configuration: {source}: {error}") from None


def converter_for(config: AppConfig) -> DataConverter:
    """Raises `ConfigError` when the process has no keys (see `codec_keys`): call it before
    anything is done, so a client without keys refuses to start rather than fail half-way."""
    keys = codec_keys(config)
    if keys is None:
        structlog.get_logger("codec").warning(
            "PAYLOADS ARE NOT ENCRYPTED: PATHWAY_INSECURE_PLAINTEXT_PAYLOADS=true; Temporal holds them in clear "
            "and the worker takes plain payloads from anyone")
    return data_converter(keys)


def runtime_for(config: AppConfig) -> Runtime | None:
    """One runtime per metrics port per process (a runtime binds its port once)."""
    port = config.temporal_metrics_port
    if port is None:
        return None
    if port not in _runtimes:
        _runtimes[port] = Runtime(telemetry=TelemetryConfig(
            metrics=PrometheusConfig(bind_address=f"{config.metrics_host}:{port}")))
    return _runtimes[port]


async def connect_temporal(config: AppConfig) -> Client:
    return await Client.connect(
        config.temporal_address, namespace=config.temporal_namespace,
        data_converter=converter_for(config), runtime=runtime_for(config),
    )


def workflow_runner(sandboxed: bool) -> dict[str, Any]:
    """Worker keyword arguments for PATHWAY_WORKFLOW_SANDBOX (the SDK's default runner is the
    sandbox); the project's worker and the benchmark's bare worker both use it."""
    return {} if sandboxed else {"workflow_runner": UnsandboxedWorkflowRunner()}
