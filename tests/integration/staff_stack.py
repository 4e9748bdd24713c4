"""A worker wired for real staff delivery: PostgreSQL reminder log and directory, e-mail
over SMTP to a local catcher."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass

from activities.delivery import StaffDelivery
from activities.persistence import PersistenceActivities
from delivery.email import SmtpChannel, SmtpSettings
from delivery.mail_catcher import MailCatcher
from store.directory import Directory
from store.event_store import EventStore
from store.read_model import ReadModel
from store.reminder_log import ReminderLog
from tests.cli_support import EXAMPLES
from worker import build_worker
from workflows.messages import DeliveryTimeouts

DOMAIN = "test.invalid"
FAST = DeliveryTimeouts(send_seconds=10, heartbeat_seconds=2, retry_initial_seconds=0.2, retry_maximum_seconds=1)


@dataclass
class StaffStack:
    client: object
    task_queue: str
    catcher: MailCatcher
    pool: object
    delivery: StaffDelivery
    notifier: object = None
    timeouts: DeliveryTimeouts = FAST


def smtp_channel(port: int) -> SmtpChannel:
    return SmtpChannel(SmtpSettings(host="127.0.0.1", port=port, sender="pathway@test.invalid",
                                    message_id_domain=DOMAIN, timeout_s=5))


@asynccontextmanager
async def staff_stack(client, pool, *, with_worker: bool = True):
    await Directory(pool).load(EXAMPLES / "directory.json")
    async with MailCatcher() as catcher:
        delivery = StaffDelivery(ReminderLog(pool), Directory(pool), [smtp_channel(catcher.port)], DOMAIN)
        stack = StaffStack(client, f"staff-{uuid.uuid4()}", catcher, pool, delivery)
        if not with_worker:
            yield stack
            return
        persistence = PersistenceActivities(EventStore(pool), ReadModel(pool))
        with ThreadPoolExecutor(max_workers=4) as executor:
            async with build_worker(client, stack.task_queue, delivery, persistence, executor):
                yield stack
