"""The one place that wires real dependencies: the PostgreSQL pool and the stores on it,
the delivery channels the configuration asks for, and the service layer (intake, handoff)
on a Temporal client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import asyncpg
from temporalio.client import Client

from activities.delivery import Channel, StaffDelivery
from activities.notifications import LogChannel
from delivery.email import SmtpChannel, SmtpSettings
from delivery.webhook import WebhookChannel, WebhookSettings
from domain.fhir_mapping import FhirMapping
from domain.ruleset import RulesetRegistry
from pathway_runtime.config import AppConfig, ConfigError, secret
from rulesets import RulesetError
from rulesets import registry as load_registry
from rulesets.fhir import DEFAULT_FILE as FHIR_MAPPING_FILE
from rulesets.fhir import load_mapping
from service.handoff import Handoff
from service.intake import Intake
from service.settlement import Settlement
from store.db import create_pool
from store.directory import Directory
from store.event_store import EventStore
from store.read_model import ReadModel
from store.reminder_log import ReminderLog
from store.worklist import Worklist


@dataclass(frozen=True)
class Services:
    pool: asyncpg.Pool
    events: EventStore
    read_model: ReadModel
    reminders: ReminderLog
    directory: Directory
    worklist: Worklist
    channels: tuple[Channel, ...]
    delivery: StaffDelivery
    settlement: Settlement

    rulesets: RulesetRegistry

    @classmethod
    def on(cls, pool: asyncpg.Pool, channels: tuple[Channel, ...], message_id_domain: str,
           rulesets: RulesetRegistry, staff_view_url: str | None = None) -> Services:
        reminders, directory = ReminderLog(pool), Directory(pool)
        return cls(pool=pool, events=EventStore(pool), read_model=ReadModel(pool), reminders=reminders,
                   directory=directory, worklist=Worklist(pool), channels=channels,
                   delivery=StaffDelivery(reminders, directory, channels, message_id_domain, staff_view_url),
                   settlement=Settlement(pool, rulesets), rulesets=rulesets)


def channels_for(config: AppConfig) -> tuple[Channel, ...]:
    channels: list[Channel] = []
    if config.smtp_host:
        channels.append(SmtpChannel(SmtpSettings(
            host=config.smtp_host, port=config.smtp_port, sender=config.smtp_sender,
            username=config.smtp_username, password=secret(config.smtp_password), starttls=config.smtp_starttls,
            message_id_domain=config.message_id_domain,
        )))
    if config.webhook_url and config.webhook_secret:
        channels.append(WebhookChannel(WebhookSettings(url=config.webhook_url, secret=config.webhook_secret.get_secret_value())))
    return tuple(channels) or (LogChannel(),)


_registries: dict[tuple[str | None, tuple[tuple[str, str], ...]], RulesetRegistry] = {}


def rulesets_for(config: AppConfig) -> RulesetRegistry:
    """The deployment's rulesets as configured, loaded once per process. A bad file stops the
    process with a `ConfigError` naming it, its lines and fields: nothing of it is applied."""
    key = (config.ruleset_file, tuple(sorted(config.centre_ruleset_files().items())))
    if key not in _registries:
        try:
            _registries[key] = load_registry(config.ruleset_file, config.centre_ruleset_files())
        except RulesetError as error:
            raise ConfigError(str(error)) from None
    return _registries[key]


def fhir_mapping_for(config: AppConfig) -> FhirMapping:
    """The FHIR intake's mapping as configured, checked against the default ruleset. A bad file
    stops the process with a `ConfigError` naming its lines and fields."""
    try:
        return load_mapping(config.fhir_mapping_file or FHIR_MAPPING_FILE, rulesets_for(config).default)
    except RulesetError as error:
        raise ConfigError(str(error)) from None


def handoff_for(config: AppConfig, client: Client, pool: asyncpg.Pool) -> Handoff:
    """How the service layer hands events to pathways, as configured."""
    return Handoff.on(client, pool, config.task_queue, rulesets_for(config), config.timings(),
                      config.api_temporal_timeout_s)


def intake_for(config: AppConfig, client: Client, pool: asyncpg.Pool) -> Intake:
    return Intake(events=EventStore(pool), handoff=handoff_for(config, client, pool),
                  concurrency=config.api_concurrency)


@asynccontextmanager
async def services(config: AppConfig) -> AsyncIterator[Services]:
    if not config.database_url:
        raise ConfigError("DATABASE_URL is not set (pathway dev sets it to its embedded PostgreSQL)")
    pool = await create_pool(config.database_url)
    try:
        yield Services.on(pool, channels_for(config), config.message_id_domain, rulesets_for(config),
                          config.staff_view_url)
    finally:
        await pool.close()
