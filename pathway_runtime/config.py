"""Configuration, read from the environment in one place. Errors name the variable."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from contracts.pathway import PathwayTimings


class ConfigError(Exception):
    pass


class AppConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    temporal_address: str = Field(default="127.0.0.1:7233", pattern=r"^[\w.\-\[\]:]+:\d{1,5}$")
    temporal_namespace: str = Field(default="default", min_length=1)
    task_queue: str = Field(default="patient-pathway", min_length=1)
    log_format: str = Field(default="auto", pattern=r"^(auto|json|console)$")
    log_level: str = Field(default="INFO", pattern=r"^(DEBUG|INFO|WARNING|ERROR)$")
    """`debug` (any case) also shows the libraries' records below WARNING (pathway_runtime/logs)."""

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

    api_host: str = Field(default="127.0.0.1", min_length=1)
    api_port: int = Field(default=8000, ge=1, le=65535)
    api_max_body_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)
    """Larger request bodies are refused (413) before they are parsed."""
    api_temporal_timeout_s: float = Field(default=30.0, gt=0)
    """How long a request waits for Temporal (an update, a query) before answering 503."""
    api_concurrency: int = Field(default=16, ge=1, le=256)
    """How many patients of one batch are sent to their workflows at once."""
    reminder_quiet_seconds: float = Field(default=30.0, ge=0, le=86400)
    """Reminders go out once a pathway has taken no new event for this long (a history sent one
    event per request settles first); see `contracts.pathway.PathwayTimings`."""
    reconcile_every_minutes: float = Field(default=5.0, gt=0, le=1440)
    """How often the `pathway-reconcile` schedule compares every pathway with the event store."""
    ruleset_file: str | None = None
    """The deployment's default ruleset file (`PATHWAY_RULESET`); None: the shipped
    `rulesets/crc-sep-marseille.yaml`."""
    centre_rulesets: str | None = Field(default=None, pattern=r"^\s*[A-Za-z0-9][\w.-]*=[^,]+(,\s*[A-Za-z0-9][\w.-]*=[^,]+)*\s*$")
    """Centres with their own ruleset (`PATHWAY_CENTRE_RULESETS`): `C13=rulesets/c13.yaml,C06=...`."""
    workflow_sandbox: bool = False
    """Run the pathway workflow in the SDK's sandbox (re-imports the workflow module for every
    pathway it loads and proxies its calls). Off in the worker process: it costs about a third
    of the worker's CPU per event (bench/ingestion), and determinism is guarded by the test
    suite, whose workers run sandboxed, and by the replay of stored histories."""

    codec_keys: str | None = Field(default=None, repr=False)
    """Payload encryption keys, `key_id:base64,key_id:base64` (32-byte AES keys)."""
    codec_keys_file: str | None = None
    """A file holding the keys in the same form, read when PATHWAY_CODEC_KEYS is unset. Never
    looked for in the working directory: `pathway dev` writes its key file's absolute path
    into its stack file, which commands run beside it read (`read_stack_env`)."""
    codec_active_key: str | None = None
    """The key id new payloads are encrypted with (default: the last listed)."""
    insecure_plaintext_payloads: bool = False
    """Run without payload encryption: Temporal then holds every event, plan and reminder in
    clear, and the worker takes plain payloads from anyone. Only for tests that say why; a
    process with neither keys nor this refuses to start, and this beside keys is refused."""
    codec_server_port: int = Field(default=8081, ge=1, le=65535)
    codec_server_token: str | None = Field(default=None, min_length=16, repr=False)
    codec_ui_origin: str = Field(default="http://127.0.0.1:8233", pattern=r"^https?://")
    """The Temporal UI's origin, allowed by the codec server's CORS policy."""
    metrics_host: str = Field(default="127.0.0.1", min_length=1)
    """Where the metrics ports listen (0.0.0.0 in a container)."""
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    """Prometheus metrics of the application (reminders, events) on this port."""
    temporal_metrics_port: int | None = Field(default=None, ge=1, le=65535)
    """Prometheus metrics of the Temporal SDK runtime (workflows, activities, polls)."""

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_in_any_case(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    def centre_ruleset_files(self) -> dict[str, str]:
        """`PATHWAY_CENTRE_RULESETS` as centre -> file."""
        pairs = [p.split("=", 1) for p in (self.centre_rulesets or "").split(",") if p.strip()]
        return {centre.strip(): path.strip() for centre, path in pairs}

    def timings(self) -> PathwayTimings:
        """What a pathway run is started with."""
        return PathwayTimings(quiet_seconds=self.reminder_quiet_seconds)


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
    "codec_keys": "PATHWAY_CODEC_KEYS",
    "codec_keys_file": "PATHWAY_CODEC_KEYS_FILE",
    "codec_active_key": "PATHWAY_CODEC_ACTIVE_KEY",
    "insecure_plaintext_payloads": "PATHWAY_INSECURE_PLAINTEXT_PAYLOADS",
    "codec_server_port": "PATHWAY_CODEC_SERVER_PORT",
    "codec_server_token": "PATHWAY_CODEC_SERVER_TOKEN",
    "codec_ui_origin": "PATHWAY_CODEC_UI_ORIGIN",
    "metrics_host": "PATHWAY_METRICS_HOST",
    "metrics_port": "PATHWAY_METRICS_PORT",
    "temporal_metrics_port": "PATHWAY_TEMPORAL_METRICS_PORT",
    "api_host": "PATHWAY_API_HOST",
    "api_port": "PATHWAY_API_PORT",
    "api_max_body_bytes": "PATHWAY_API_MAX_BODY_BYTES",
    "api_temporal_timeout_s": "PATHWAY_API_TEMPORAL_TIMEOUT_S",
    "api_concurrency": "PATHWAY_API_CONCURRENCY",
    "workflow_sandbox": "PATHWAY_WORKFLOW_SANDBOX",
    "reminder_quiet_seconds": "PATHWAY_REMINDER_QUIET_SECONDS",
    "ruleset_file": "PATHWAY_RULESET",
    "centre_rulesets": "PATHWAY_CENTRE_RULESETS",
    "reconcile_every_minutes": "PATHWAY_RECONCILE_EVERY_MINUTES",
}


STACK_ENV_VARIABLE = "PATHWAY_STACK_ENV"
DEFAULT_STACK_ENV = ".pathway/stack.env"
"""`pathway dev` writes the addresses it chose here (in its data directory); commands run from
the same directory read them, so `pathway submit` finds the stack it was started with."""
STACK_ENV_NAMES = ("DATABASE_URL", "TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "PATHWAY_CODEC_KEYS_FILE")


def read_stack_env(path: Path) -> dict[str, str]:
    """`NAME=value` lines of a stack file (only the names `pathway dev` writes); {} if absent."""
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return {}
    values = dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))
    return {name: value for name, value in values.items() if name in STACK_ENV_NAMES and value}


def load_config(environ: Mapping[str, str] | None = None) -> AppConfig:
    """From the environment (or `environ`); with the process environment, a variable it lacks
    is taken from the stack file of a running `pathway dev` when there is one."""
    if environ is None:
        stack = read_stack_env(Path(os.environ.get(STACK_ENV_VARIABLE, DEFAULT_STACK_ENV)))
        environ = {**stack, **{name: value for name, value in os.environ.items() if value}}
    values = {field: environ[name] for field, name in ENV_NAMES.items() if environ.get(name)}
    try:
        config = AppConfig(**values)
    except ValidationError as error:
        problems = "; ".join(f"{ENV_NAMES[str(e['loc'][0])]}: {e['msg']}" for e in error.errors())
        raise ConfigError(f"invalid configuration: {problems}") from None
    if config.webhook_url and not config.webhook_secret:
        raise ConfigError("invalid configuration: WEBHOOK_SECRET is required when WEBHOOK_URL is set")
    return config
