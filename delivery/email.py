"""Reminders as multipart e-mail (plain text and HTML, rendered by the caller) over SMTP (aiosmtplib).

The Message-ID is derived from the reminder id (a digest's from its recipient and day), so a resend after a crash between
the server's acceptance and our record carries the same id and can be dropped
downstream. SMTP replies are sorted at this boundary: 4xx and transport failures
are retryable; 5xx and a server lacking what the settings ask (STARTTLS, AUTH) are not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime

import aiosmtplib
import structlog

from delivery.content import Content
from delivery.errors import DeliveryFailed, NoRecipient
from domain.dispatch import ReminderMessage

REMINDER_ID_HEADER = "X-Pathway-Reminder-Id"
DIGEST_ID_HEADER = "X-Pathway-Digest-Id"
CHANNEL = "email"


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    starttls: bool = False
    """True: require STARTTLS; False: plain SMTP (a relay on the hospital network, the local catcher)."""
    timeout_s: float = 10.0
    message_id_domain: str = "pathway.invalid"


def message_id_for(reminder_id: str, domain: str) -> str:
    return f"<reminder-{reminder_id}@{domain}>"


def digest_message_id_for(digest_id: str, domain: str) -> str:
    return f"<digest-{digest_id}@{domain}>"


def build_email(message: ReminderMessage, to: list[str], settings: SmtpSettings, content: Content) -> EmailMessage:
    """One reminder's e-mail: `content` as text/plain with a text/html alternative."""
    return compose(message_id_for(message.reminder_id, settings.message_id_domain), to, settings, content,
                   {REMINDER_ID_HEADER: message.reminder_id})


def compose(message_id: str, to: list[str], settings: SmtpSettings, content: Content,
            headers: dict[str, str]) -> EmailMessage:
    """multipart/alternative: the plain text first, the HTML last (the part clients prefer)."""
    mail = EmailMessage()
    mail["Message-ID"] = message_id
    mail["Date"] = format_datetime(datetime.now(UTC))
    mail["From"] = settings.sender
    mail["To"] = ", ".join(to)
    mail["Subject"] = content.subject
    for name, value in headers.items():
        mail[name] = value
    mail.set_content(content.text)
    mail.add_alternative(content.html, subtype="html")
    return mail


class SmtpChannel:
    name = CHANNEL
    needs_addresses = True

    def __init__(self, settings: SmtpSettings) -> None:
        self._settings = settings
        self._log = structlog.get_logger("delivery.email")

    async def send(self, message: ReminderMessage, to: list[str], content: Content) -> str:
        """Hand the reminder to the SMTP server; returns its Message-ID."""
        if not to:
            raise NoRecipient(CHANNEL, "no e-mail address for any recipient")
        try:
            mail = build_email(message, to, self._settings, content)
        except ValueError as exc:
            raise DeliveryFailed(CHANNEL, f"cannot build the message: {exc}", retryable=False) from None
        return await self._hand_over(mail, to, message.reminder_id)

    async def send_digest(self, digest_id: str, to: list[str], content: Content) -> str:
        """Hand a digest to the SMTP server; returns its Message-ID (`<digest-ID@domain>`, the
        same for every attempt, so a resend after a crash can be dropped downstream)."""
        if not to:
            raise NoRecipient(CHANNEL, "no e-mail address for the recipient")
        message_id = digest_message_id_for(digest_id, self._settings.message_id_domain)
        try:
            mail = compose(message_id, to, self._settings, content, {DIGEST_ID_HEADER: digest_id})
        except ValueError as exc:
            raise DeliveryFailed(CHANNEL, f"cannot build the message: {exc}", retryable=False) from None
        return await self._hand_over(mail, to, digest_id)

    async def _hand_over(self, mail: EmailMessage, to: list[str], key: str) -> str:
        s = self._settings
        try:
            refused, _ = await aiosmtplib.send(
                mail, sender=s.sender, recipients=to, hostname=s.host, port=s.port,
                username=s.username, password=s.password, start_tls=s.starttls, timeout=s.timeout_s,
            )
        except aiosmtplib.SMTPException as exc:
            raise self._failure(exc) from None
        except OSError as exc:
            raise DeliveryFailed(CHANNEL, self._scrub(f"{type(exc).__name__}: {exc}"), retryable=True) from None
        if refused:
            # Accepted for the others: a retry would send them a duplicate, so it stays a success.
            await self._log.awarning(
                "recipients_refused", delivery_key=key,
                refused={address: response.code for address, response in refused.items()},
            )
        return str(mail["Message-ID"])

    def _failure(self, exc: aiosmtplib.SMTPException) -> DeliveryFailed:
        if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
            codes = [refusal.code for refusal in exc.recipients]
            reason = "all recipients refused: " + ", ".join(f"{r.code} {r.message}" for r in exc.recipients)
            return DeliveryFailed(CHANNEL, self._scrub(reason), retryable=any(_temporary(c) for c in codes))
        if isinstance(exc, aiosmtplib.SMTPResponseException):
            reason = f"{type(exc).__name__}: {exc.code} {exc.message}"
            return DeliveryFailed(CHANNEL, self._scrub(reason), retryable=_temporary(exc.code))
        # Disconnects and timeouts are OSErrors; the rest (no STARTTLS, no AUTH, no SMTPUTF8) is configuration.
        retryable = isinstance(exc, OSError)
        return DeliveryFailed(CHANNEL, self._scrub(f"{type(exc).__name__}: {exc}"), retryable=retryable)

    def _scrub(self, reason: str) -> str:
        password = self._settings.password
        return reason.replace(password, "***") if password else reason


def _temporary(code: int) -> bool:
    """5xx is the server's permanent answer; anything else (4xx, odd codes) may pass later."""
    return not 500 <= code < 600
