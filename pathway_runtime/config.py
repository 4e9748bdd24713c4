"""Configuration, read from the environment in one place. Errors name the variable."""

from __future__ import annotations

import os
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class ConfigError(Exception):
    pass


class AppConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    temporal_address: str = Field(default="127.0.0.1:7233", pattern=r"^[\w.\-\[\]:]+:\d{1,5}$")
    temporal_namespace: str = Field(default="default", min_length=1)
    task_queue: str = Field(default="patient-pathway", min_length=1)
    log_format: str = Field(default="auto", pattern=r"^(auto|json|console)$")
    log_level: str = Field(default="INFO", pattern=r"^(DEBUG|INFO|WARNING|ERROR)$")


ENV_NAMES = {
    "temporal_address": "TEMPORAL_ADDRESS",
    "temporal_namespace": "TEMPORAL_NAMESPACE",
    "task_queue": "PATHWAY_TASK_QUEUE",
    "log_format": "PATHWAY_LOG_FORMAT",
    "log_level": "PATHWAY_LOG_LEVEL",
}


def load_config(environ: Mapping[str, str] | None = None) -> AppConfig:
    environ = os.environ if environ is None else environ
    values = {field: environ[name] for field, name in ENV_NAMES.items() if environ.get(name)}
    try:
        return AppConfig(**values)
    except ValidationError as error:
        problems = "; ".join(f"{ENV_NAMES[str(e['loc'][0])]}: {e['msg']}" for e in error.errors())
        raise ConfigError(f"invalid configuration: {problems}") from None
