"""The daily digest activity: one e-mail per recipient listing what waits for them in the outbox
(`store.digests`), exactly once per (recipient, day).

Each recipient's digest of the day is prepared first (created once with a Message-ID derived
from recipient and day, its items attached), then sent, then recorded. A digest found `sent`
is skipped, so a retried activity or a second run the same day sends nothing more; if the
worker dies between the SMTP server's acceptance and the record, the one resend carries the
same Message-ID. A retryable failure is raised (Temporal retries the activity with backoff;
digests already sent are skipped); a recipient without an address, or a permanent refusal,
leaves the items undelivered and visible (reminder log, plan, worklist) for the next digest.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import structlog
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.delivery import StaffDelivery, addressee
from activities.failures import retryable_database_failures
from contracts.pathway import DIGEST_ACTIVITY, DigestReport, DigestRequest
from delivery.email import digest_message_id_for
from delivery.errors import DeliveryFailed, NoRecipient
from domain.plan import Recipient
from rendering.letters import Letter, render_letter
from service.metrics import REMINDERS_FAILED, REMINDERS_SENT, REMINDERS_WAITING
from store.digests import PreparedDigest


class DigestActivities:
    def __init__(self, delivery: StaffDelivery, message_id_domain: str) -> None:
        self._delivery = delivery
        self._domain = message_id_domain
        self._log = structlog.get_logger("delivery.digests")

    @activity.defn(name=DIGEST_ACTIVITY)
    async def send_digests(self, request: DigestRequest) -> DigestReport:
        """Send the day's digests of the request's centres; the report counts them."""
        with retryable_database_failures():
            return await self.run(request)

    async def run(self, request: DigestRequest) -> DigestReport:
        day = request.at.astimezone(ZoneInfo(request.timezone)).date()
        store = self._delivery.digests
        centres = await self._centres(request)
        report = DigestReport(day=day)
        already = sum(1 for d in await store.of_day(centres, day) if d.status == "sent")
        channel = next((c for c in self._delivery.channels if hasattr(c, "send_digest")), None)
        for prepared in await store.prepare(centres, day, lambda i: digest_message_id_for(i, self._domain)):
            if activity.in_activity():
                activity.heartbeat(prepared.row.digest_id)
            outcome = await self._send(prepared, channel, day)
            report = report.model_copy(update={outcome: getattr(report, outcome) + 1})
            if outcome == "sent":
                report = report.model_copy(update={"items": report.items + len(prepared.messages)})
        await self._log.ainfo("digests", day=day.isoformat(), sent=report.sent, waiting=report.waiting,
                              failed=report.failed, items=report.items)
        return report.model_copy(update={"already_sent": already})

    async def _centres(self, request: DigestRequest) -> list[str]:
        if request.scope != "default":
            return [request.scope]
        waiting = await self._delivery.digests.centres_waiting()
        return [c for c in waiting if c not in request.excluded]

    async def _send(self, prepared: PreparedDigest, channel, day) -> str:  # type: ignore[no-untyped-def]
        row, store = prepared.row, self._delivery.digests
        [resolved] = await self._delivery.directory.addresses([Recipient(role=row.role, id=row.recipient_id)])
        if channel is None or not resolved["address"]:
            reason = "no e-mail channel configured" if channel is None else \
                f"no address for {row.role} {row.recipient_id} in the staff directory (pathway directory load)"
            await store.mark_undelivered(row.digest_id, "waiting", reason)
            REMINDERS_WAITING.labels("email").inc()
            return "waiting"
        content = render_letter(Letter(
            to=addressee(resolved), items=prepared.messages, day=day, digest=True,
            centre_name=await self._delivery.directory.centre_name(row.centre_id),
            locale=prepared.messages[0].locale, staff_view_url=self._delivery.staff_view_url,
        ))
        try:
            await channel.send_digest(row.digest_id, [resolved["address"]], content)
        except NoRecipient as nobody:
            await store.mark_undelivered(row.digest_id, "waiting", nobody.reason)
            return "waiting"
        except DeliveryFailed as failure:
            await store.mark_undelivered(row.digest_id, "failed", failure.reason)
            REMINDERS_FAILED.labels("email", str(failure.retryable).lower()).inc()
            if failure.retryable:
                raise ApplicationError(str(failure), type="DeliveryFailed") from None
            return "failed"
        await store.mark_sent(row.digest_id)
        REMINDERS_SENT.labels("email").inc()
        return "sent"
