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

    database_url: str | None = Field(default=None, pattern=r"^postgres(ql)?://")
    """None: `pathway dev` starts an embedded PostgreSQL; other commands refuse."""

    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_sender: str = Field(default="ms-pathway@localhost", pattern=r"^[^@\s]+@[^@\s]+$")
    smtp_username: str | None = None
    smtp_password: str | None = Field(default=None, repr=False)
    smtp_starttls: bool = False
    message_id_domain: str = Field(default="pathway.invalid", pattern=r"^[A-Za-z0-9.-]+$")

    webhook_url: str | None = Field(default=None, pattern=r"^https?://")
    webhook_secret: str | None = Field(default=None, min_length=16, repr=False)


ENV_NAMES = {
    "temporal_address": "TEMPORAL_ADDRESS",
    "temporal_namespace": "TEMPORAL_NAMESPACE",
    "task_queue": "PATHWAY_TASK_QUEUE",
    "log_format": "PATHWAY_LOG_FORMAT",
    "log_level": "PATHWAY_LOG_LEVEL",
    "database_url": "DATABASE_URL",
    "smtp_host": "SMTP_HOST",
    "smtp_port": "SMTP_PORT",
    "smtp_sender": "SMTP_SENDER",
    "smtp_username": "SMTP_USERNAME",
    "smtp_password": "SMTP_PASSWORD",
    "smtp_starttls": "SMTP_STARTTLS",
    "message_id_domain": "PATHWAY_MESSAGE_ID_DOMAIN",
    "webhook_url": "WEBHOOK_URL",
    "webhook_secret": "WEBHOOK_SECRET",
}


def load_config(environ: Mapping[str, str] | None = None) -> AppConfig:
    environ = os.environ if environ is None else environ
    values = {field: environ[name] for field, name in ENV_NAMES.items() if environ.get(name)}
    try:
        config = AppConfig(**values)
    except ValidationError as error:
        problems = "; ".join(f"{ENV_NAMES[str(e['loc'][0])]}: {e['msg']}" for e in error.errors())
        raise ConfigError(f"invalid configuration: {problems}") from None
    if config.webhook_url and not config.webhook_secret:
        raise ConfigError("invalid configuration: WEBHOOK_SECRET is required when WEBHOOK_URL is set")
    return config
