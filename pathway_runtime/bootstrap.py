"""The one place that wires real dependencies: the PostgreSQL pool and the stores on it,
and the delivery channels the configuration asks for."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import asyncpg

from activities.delivery import Channel, StaffDelivery
from activities.notifications import LogChannel
from activities.persistence import PersistenceActivities
from delivery.email import SmtpChannel, SmtpSettings
from delivery.webhook import WebhookChannel, WebhookSettings
from pathway_runtime.config import AppConfig, ConfigError
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
    persistence: PersistenceActivities


def channels_for(config: AppConfig) -> tuple[Channel, ...]:
    channels: list[Channel] = []
    if config.smtp_host:
        channels.append(SmtpChannel(SmtpSettings(
            host=config.smtp_host, port=config.smtp_port, sender=config.smtp_sender,
            username=config.smtp_username, password=config.smtp_password, starttls=config.smtp_starttls,
            message_id_domain=config.message_id_domain,
        )))
    if config.webhook_url and config.webhook_secret:
        channels.append(WebhookChannel(WebhookSettings(url=config.webhook_url, secret=config.webhook_secret)))
    return tuple(channels) or (LogChannel(),)


@asynccontextmanager
async def services(config: AppConfig) -> AsyncIterator[Services]:
    if not config.database_url:
        raise ConfigError("DATABASE_URL is not set (pathway dev sets it to its embedded PostgreSQL)")
    pool = await create_pool(config.database_url)
    try:
        events, read_model = EventStore(pool), ReadModel(pool)
        reminders, directory = ReminderLog(pool), Directory(pool)
        channels = channels_for(config)
        yield Services(
            pool=pool, events=events, read_model=read_model, reminders=reminders, directory=directory,
            worklist=Worklist(pool), channels=channels,
            delivery=StaffDelivery(reminders, directory, channels, config.message_id_domain),
            persistence=PersistenceActivities(events, read_model),
        )
    finally:
        await pool.close()
