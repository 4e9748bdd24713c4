"""Configuration in one place: one settings class (pydantic-settings), read from the process
environment, then a `.env` file in the working directory, then the stack file of a running
`pathway dev`. Each field names its variable; an error names the variable, never its value;
secrets are `SecretStr` (masked in reprs, logs and tracebacks)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from contracts.pathway import PathwayTimings


class ConfigError(Exception):
    pass


STACK_ENV_VARIABLE = "PATHWAY_STACK_ENV"
DEFAULT_STACK_ENV = ".pathway/stack.env"
"""`pathway dev` writes the addresses it chose here (in its data directory); commands run from
the same directory read them, so `pathway submit` finds the stack it was started with."""
STACK_ENV_NAMES = ("DATABASE_URL", "TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "PATHWAY_CODEC_KEYS_FILE")
ENV_FILE_VARIABLE = "PATHWAY_ENV_FILE"
DEFAULT_ENV_FILE = ".env"


def _env(name: str, default: Any = None, **constraints: Any) -> Any:
    """A field read from the variable `name`; `AppConfig(field=...)` also works (populate_by_name)."""
    return Field(default=default, validation_alias=name, **constraints)


class AppConfig(BaseSettings):
    """The process's settings. Precedence: keyword arguments, the environment, `.env` (or the
    file `PATHWAY_ENV_FILE` names), the stack file (`DATABASE_URL`, `TEMPORAL_ADDRESS`,
    `TEMPORAL_NAMESPACE`, `PATHWAY_CODEC_KEYS_FILE` only). Empty variables count as unset."""

    model_config = SettingsConfigDict(
        frozen=True, populate_by_name=True, case_sensitive=True, env_ignore_empty=True,
        # A `.env` shared with Docker Compose holds other services' variables: ignored, not refused.
        extra="ignore")

    temporal_address: str = _env("TEMPORAL_ADDRESS", "127.0.0.1:7233", pattern=r"^[\w.\-\[\]:]+:\d{1,5}$")
    temporal_namespace: str = _env("TEMPORAL_NAMESPACE", "default", min_length=1)
    task_queue: str = _env("PATHWAY_TASK_QUEUE", "patient-pathway", min_length=1)
    log_format: str = _env("PATHWAY_LOG_FORMAT", "auto", pattern=r"^(auto|json|console)$")
    log_level: str = _env("PATHWAY_LOG_LEVEL", "INFO", pattern=r"^(DEBUG|INFO|WARNING|ERROR)$")
    """`debug` (any case) also shows the libraries' records below WARNING (pathway_runtime/logs)."""

    database_url: str | None = _env("DATABASE_URL", pattern=r"^postgres(ql)?://")
    """None: `pathway dev` starts an embedded PostgreSQL; other commands refuse."""

    smtp_host: str | None = _env("SMTP_HOST")
    smtp_port: int = _env("SMTP_PORT", 25, ge=1, le=65535)
    smtp_sender: str = _env("SMTP_SENDER", "ms-pathway@localhost", pattern=r"^[^@\s]+@[^@\s]+$")
    smtp_username: str | None = _env("SMTP_USERNAME")
    smtp_password: SecretStr | None = _env("SMTP_PASSWORD", repr=False)
    smtp_starttls: bool = _env("SMTP_STARTTLS", False)
    message_id_domain: str = _env("PATHWAY_MESSAGE_ID_DOMAIN", "pathway.invalid", pattern=r"^[A-Za-z0-9.-]+$")

    staff_view_url: str | None = _env("PATHWAY_STAFF_VIEW_URL", pattern=r"^https?://")
    """Base URL of the staff view: reminders link each patient to `<url>/patients/<ref>`; unset: no link."""

    webhook_url: str | None = _env("WEBHOOK_URL", pattern=r"^https?://")
    webhook_secret: SecretStr | None = _env("WEBHOOK_SECRET", min_length=16, repr=False)
    """The HMAC key of the webhook's signature; required with `WEBHOOK_URL`."""

    api_host: str = _env("PATHWAY_API_HOST", "127.0.0.1", min_length=1)
    api_port: int = _env("PATHWAY_API_PORT", 8000, ge=1, le=65535)
    api_max_body_bytes: int = _env("PATHWAY_API_MAX_BODY_BYTES", 2 * 1024 * 1024, ge=1024)
    """Larger request bodies are refused (413) before they are parsed."""
    api_temporal_timeout_s: float = _env("PATHWAY_API_TEMPORAL_TIMEOUT_S", 30.0, gt=0)
    """How long a request waits for Temporal (an update, a query) before answering 503."""
    api_concurrency: int = _env("PATHWAY_API_CONCURRENCY", 16, ge=1, le=256)
    """How many patients of one batch are sent to their workflows at once."""
    staff_session_secret: SecretStr | None = _env("PATHWAY_STAFF_SESSION_SECRET", min_length=32, repr=False)
    """Signs the staff pages' session cookies; every API replica needs the same one. Unset: a
    random one per process (sessions end when the API restarts)."""
    staff_session_hours: float = _env("PATHWAY_STAFF_SESSION_HOURS", 8.0, gt=0, le=24)
    """How long a staff sign-in lasts."""
    reminder_quiet_seconds: float = _env("PATHWAY_REMINDER_QUIET_SECONDS", 30.0, ge=0, le=86400)
    """Reminders go out once a pathway has taken no new event for this long (a history sent one
    event per request settles first); see `contracts.pathway.PathwayTimings`."""
    reconcile_every_minutes: float = _env("PATHWAY_RECONCILE_EVERY_MINUTES", 5.0, gt=0, le=1440)
    """How often the `pathway-reconcile` schedule compares every pathway with the event store."""

    ruleset_file: str | None = _env("PATHWAY_RULESET")
    """The deployment's default ruleset file; None: the shipped `rulesets/crc-sep-marseille.yaml`."""
    centre_rulesets: str | None = _env("PATHWAY_CENTRE_RULESETS",
                                       pattern=r"^\s*[A-Za-z0-9][\w.-]*=[^,]+(,\s*[A-Za-z0-9][\w.-]*=[^,]+)*\s*$")
    """Centres with their own ruleset: `C13=/etc/pathway/marseille.yaml,C06=...` (docs/rulesets.md)."""
    fhir_mapping_file: str | None = _env("PATHWAY_FHIR_MAPPING")
    """The FHIR R4 intake's mapping (docs/fhir.md); None: the shipped
    `rulesets/fhir/crc-sep-marseille.fhir.yaml`. Checked against the default ruleset."""

    workflow_sandbox: bool = _env("PATHWAY_WORKFLOW_SANDBOX", False)
    """Run the pathway workflow in the SDK's sandbox (re-imports the workflow module for every
    pathway it loads and proxies its calls). Off in the worker process: it costs about a third
    of the worker's CPU per event (bench/ingestion), and determinism is guarded by the test
    suite, whose workers run sandboxed, and by the replay of stored histories."""

    codec_keys: SecretStr | None = _env("PATHWAY_CODEC_KEYS", repr=False)
    """Payload encryption keys, `key_id:base64,key_id:base64` (32-byte AES keys)."""
    codec_keys_file: str | None = _env("PATHWAY_CODEC_KEYS_FILE")
    """A file holding the keys in the same form, read when PATHWAY_CODEC_KEYS is unset. Never
    looked for in the working directory: `pathway dev` writes its key file's absolute path
    into its stack file, which commands run beside it read (`read_stack_env`)."""
    codec_active_key: str | None = _env("PATHWAY_CODEC_ACTIVE_KEY")
    """The key id new payloads are encrypted with (default: the last listed)."""
    insecure_plaintext_payloads: bool = _env("PATHWAY_INSECURE_PLAINTEXT_PAYLOADS", False)
    """Run without payload encryption: Temporal then holds every event, plan and reminder in
    clear, and the worker takes plain payloads from anyone. Only for tests that say why; a
    process with neither keys nor this refuses to start, and this beside keys is refused."""
    codec_server_port: int = _env("PATHWAY_CODEC_SERVER_PORT", 8081, ge=1, le=65535)
    codec_server_token: SecretStr | None = _env("PATHWAY_CODEC_SERVER_TOKEN", min_length=16, repr=False)
    codec_ui_origin: str = _env("PATHWAY_CODEC_UI_ORIGIN", "http://127.0.0.1:8233", pattern=r"^https?://")
    """The Temporal UI's origin, allowed by the codec server's CORS policy."""

    metrics_host: str = _env("PATHWAY_METRICS_HOST", "127.0.0.1", min_length=1)
    """Where the metrics ports listen (0.0.0.0 in a container)."""
    metrics_port: int | None = _env("PATHWAY_METRICS_PORT", ge=1, le=65535)
    """Prometheus metrics of the application (reminders, events) on this port."""
    temporal_metrics_port: int | None = _env("PATHWAY_TEMPORAL_METRICS_PORT", ge=1, le=65535)
    """Prometheus metrics of the Temporal SDK runtime (workflows, activities, polls)."""

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_in_any_case(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _webhook_is_signed(self) -> AppConfig:
        if self.webhook_url and not self.webhook_secret:
            raise ValueError("WEBHOOK_SECRET is required when WEBHOOK_URL is set")
        return self

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource,
                                   dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource,
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        if _GIVEN_ONLY.get():
            return (init_settings,)
        env_file = os.environ.get(ENV_FILE_VARIABLE) or DEFAULT_ENV_FILE
        dotenv = type(dotenv_settings)(settings_cls, env_file=env_file)  # type: ignore[call-arg]
        return init_settings, env_settings, dotenv, StackFileSource(settings_cls)

    def centre_ruleset_files(self) -> dict[str, str]:
        """`PATHWAY_CENTRE_RULESETS` as centre -> file."""
        pairs = [p.split("=", 1) for p in (self.centre_rulesets or "").split(",") if p.strip()]
        return {centre.strip(): path.strip() for centre, path in pairs}

    def timings(self) -> PathwayTimings:
        """What a pathway run is started with."""
        return PathwayTimings(quiet_seconds=self.reminder_quiet_seconds)


def secret(value: SecretStr | None) -> str | None:
    """A secret's text, where it is handed to the one library that needs it."""
    return value.get_secret_value() if value is not None else None


ENV_NAMES: dict[str, str] = {name: str(field.validation_alias) for name, field in AppConfig.model_fields.items()}
"""Field -> the variable it is read from (what deploy files and error messages name)."""


class StackFileSource(PydanticBaseSettingsSource):
    """The variables a running `pathway dev` wrote to its stack file (`STACK_ENV_NAMES` only)."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # unused: __call__ returns the whole file at once

    def __call__(self) -> dict[str, Any]:
        return read_stack_env(Path(os.environ.get(STACK_ENV_VARIABLE) or DEFAULT_STACK_ENV))


def read_stack_env(path: Path) -> dict[str, str]:
    """`NAME=value` lines of a stack file (only the names `pathway dev` writes); {} if absent."""
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return {}
    values = dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))
    return {name: value for name, value in values.items() if name in STACK_ENV_NAMES and value}


def load_config(environ: Mapping[str, str] | None = None) -> AppConfig:
    """The settings of this process (environment, `.env`, stack file), or of `environ` alone (a
    mapping of variables, as tests and deploy checks give it: no other source is read).

    Raises `ConfigError` naming each bad variable and what is wrong with it (never its value)."""
    try:
        if environ is None:
            return AppConfig()
        token = _GIVEN_ONLY.set(True)
        try:
            return AppConfig(**{name: value for name, value in environ.items() if name in _VARIABLES and value})
        finally:
            _GIVEN_ONLY.reset(token)
    except ValidationError as error:
        raise ConfigError(f"invalid configuration: {problems(error)}") from None


_VARIABLES = frozenset(ENV_NAMES.values())
_GIVEN_ONLY: ContextVar[bool] = ContextVar("config_from_given_values_only", default=False)
"""Set by `load_config(environ)`: the settings are built from that mapping, no other source."""


def problems(error: ValidationError) -> str:
    """`VARIABLE: what is wrong` for each error; a rule across variables names them itself."""
    said = []
    for item in error.errors(include_input=False, include_url=False):
        where = str(item["loc"][0]) if item["loc"] else ""
        variable = ENV_NAMES.get(where, where)
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "too_short" and "min_length" in item.get("ctx", {}):
            message = f"must be at least {item['ctx']['min_length']} characters"  # pydantic says "items" of a secret
        said.append(f"{variable}: {message}" if variable else message)
    return "; ".join(said)
