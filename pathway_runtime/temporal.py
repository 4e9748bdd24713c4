"""Temporal clients for this project: pydantic payloads, encrypted when keys are set,
and the SDK runtime's Prometheus metrics when a port is configured."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from temporalio.client import Client
from temporalio.converter import DataConverter
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.worker import UnsandboxedWorkflowRunner

from codec.aes import CodecKeyError, CodecKeys, data_converter, parse_keys
from pathway_runtime.config import AppConfig, ConfigError

_runtimes: dict[int, Runtime] = {}


def codec_keys(config: AppConfig) -> CodecKeys | None:
    spec = config.codec_keys
    if not spec and Path(config.codec_keys_file).is_file():
        spec = Path(config.codec_keys_file).read_text().strip()
    if not spec:
        return None
    try:
        return parse_keys(spec, config.codec_active_key)
    except CodecKeyError as error:
        raise ConfigError(f"invalid configuration: PATHWAY_CODEC_KEYS: {error}") from None


def converter_for(config: AppConfig) -> DataConverter:
    return data_converter(codec_keys(config))


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
