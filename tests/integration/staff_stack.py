"""A worker wired for real staff delivery: PostgreSQL reminder log and directory, e-mail
over SMTP to a local catcher."""

from __future__ import annotations

from contextlib import asynccontextmanager

from activities.delivery import StaffDelivery
from delivery.email import SmtpChannel, SmtpSettings
from delivery.mail_catcher import MailCatcher
from store.directory import Directory
from store.reminder_log import ReminderLog
from tests.integration.stack import DOMAIN, FAST, Running, worker_on
from tests.support.cli import EXAMPLES
from tests.support.rulesets import immediate_registry
from tests.support.waiting import eventually

__all__ = ["DOMAIN", "FAST", "eventually", "smtp_channel", "staff_stack"]


def smtp_channel(port: int) -> SmtpChannel:
    return SmtpChannel(SmtpSettings(host="127.0.0.1", port=port, sender="pathway@test.invalid",
                                    message_id_domain=DOMAIN, timeout_s=5))


@asynccontextmanager
async def staff_stack(client, pool, *, with_worker: bool = True, timings=FAST, directory: bool = True,
                      rulesets=None):
    """`stack.catcher` holds the e-mails; `stack.delivery` the `StaffDelivery` the worker uses.
    Rulesets: the shipped one with `delivery_mode: immediate` unless given (these tests are about
    one reminder, one e-mail; the digest has its own)."""
    rulesets = rulesets or immediate_registry()
    if directory:
        await Directory(pool).load(EXAMPLES / "directory.json")
    async with MailCatcher() as catcher:
        channel = smtp_channel(catcher.port)
        if not with_worker:
            delivery = StaffDelivery(ReminderLog(pool), Directory(pool), [channel], DOMAIN)
            yield Running(client, "", pool, None, timings, catcher, delivery, rulesets)
            return
        async with worker_on(client, pool, [channel], timings=timings, rulesets=rulesets) as (task_queue, delivery):
            yield Running(client, task_queue, pool, None, timings, catcher, delivery, rulesets)

