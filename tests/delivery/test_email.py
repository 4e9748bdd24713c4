from __future__ import annotations

import socket
from datetime import date
from email.message import EmailMessage

import pytest
from structlog.testing import capture_logs

from delivery.email import SmtpChannel, SmtpSettings, build_email, digest_message_id_for, message_id_for
from delivery.errors import DeliveryFailed
from delivery.mail_catcher import MailCatcher
from rendering.letters import Addressee, Letter, render_letter
from tests.delivery.builders import reminder
from tests.delivery.test_content import forbidden_words_in

CONTENT = render_letter(Letter(to=Addressee("neurologist", "NEURO-12", "Dr A. Martin"), items=[reminder()],
                              day=date(2027, 1, 5), centre_name="CRC SEP Marseille"))
SENDER = "pathway@crc-sep.example"
TO = ["neuro12@chu.example", "coordinator@crc.example"]


def settings_for(port: int, **changes: object) -> SmtpSettings:
    fields: dict[str, object] = {
        "host": "127.0.0.1", "port": port, "sender": SENDER, "timeout_s": 2.0,
        "message_id_domain": "pathway.test",
    }
    fields.update(changes)
    return SmtpSettings(**fields)  # type: ignore[arg-type]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def body_of(mail: EmailMessage) -> str:
    part = mail.get_body(("plain",))
    assert part is not None
    return part.get_content()


def test_message_id_is_derived_from_the_reminder_id() -> None:
    assert message_id_for("abc123", "pathway.test") == "<reminder-abc123@pathway.test>"


def test_building_the_same_reminder_twice_gives_the_same_message_id() -> None:
    settings = settings_for(25)

    first, second = build_email(reminder(), TO, settings, CONTENT), build_email(reminder(), TO, settings, CONTENT)

    assert first["Message-ID"] == second["Message-ID"] == f"<reminder-{reminder().reminder_id}@pathway.test>"


def test_built_email_has_sender_recipients_subject_date_and_reminder_id_header() -> None:
    mail = build_email(reminder(), TO, settings_for(25), CONTENT)

    assert mail["From"] == SENDER
    assert mail["To"] == ", ".join(TO)
    assert mail["Subject"].startswith("[Rappel parcours]")
    assert mail["Date"]
    assert mail["X-Pathway-Reminder-Id"] == reminder().reminder_id
    assert mail.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in mail.iter_parts()] == ["text/plain", "text/html"]
    assert mail["Subject"] == CONTENT.subject


async def test_a_digest_carries_its_deterministic_message_id_and_both_parts() -> None:
    async with MailCatcher() as catcher:
        message_id = await SmtpChannel(settings_for(catcher.port)).send_digest("d1g3st", TO[:1], CONTENT)

    assert message_id == digest_message_id_for("d1g3st", "pathway.test") == "<digest-d1g3st@pathway.test>"
    [received] = catcher.messages
    assert received["Message-ID"] == message_id and received["X-Pathway-Digest-Id"] == "d1g3st"
    assert body_of(received).replace("\r\n", "\n") == CONTENT.text  # SMTP carries CRLF line ends
    assert received.get_body(("html",)).get_content().replace("\r\n", "\n") == CONTENT.html


async def test_email_is_received_by_the_local_smtp_server_with_its_message_id() -> None:
    async with MailCatcher() as catcher:
        message_id = await SmtpChannel(settings_for(catcher.port)).send(reminder(), TO, CONTENT)

    assert message_id == f"<reminder-{reminder().reminder_id}@pathway.test>"
    [received] = catcher.received
    assert received.mail_from == SENDER
    assert received.rcpt_tos == tuple(TO)
    mail = received.message
    assert mail["Message-ID"] == message_id
    assert mail["X-Pathway-Reminder-Id"] == reminder().reminder_id
    assert mail["To"] == ", ".join(TO)
    body = body_of(mail)
    assert "PSN-7Q4K2" in body and "R18" in body
    assert forbidden_words_in(body) == []


async def test_a_temporary_refusal_is_retryable_and_the_resend_arrives_once_with_the_same_message_id() -> None:
    channel_message = reminder()
    async with MailCatcher() as catcher:
        channel = SmtpChannel(settings_for(catcher.port))
        catcher.refuse(code=451)
        with pytest.raises(DeliveryFailed) as refused:
            await channel.send(channel_message, TO, CONTENT)
        assert catcher.messages == []

        catcher.accept()
        message_id = await channel.send(channel_message, TO, CONTENT)

    assert refused.value.retryable is True
    assert refused.value.channel == "email"
    assert "451" in refused.value.reason
    assert [m["Message-ID"] for m in catcher.messages] == [message_id]


async def test_a_temporary_refusal_of_the_data_is_retryable() -> None:
    async with MailCatcher() as catcher:
        catcher.refuse(code=452, at="data")
        with pytest.raises(DeliveryFailed) as refused:
            await SmtpChannel(settings_for(catcher.port)).send(reminder(), TO, CONTENT)

    assert refused.value.retryable is True
    assert catcher.messages == []


@pytest.mark.parametrize("stage, code", [("rcpt", 550), ("data", 554)])
async def test_a_permanent_refusal_is_not_retryable(stage: str, code: int) -> None:
    async with MailCatcher() as catcher:
        catcher.refuse(code=code, at=stage)
        with pytest.raises(DeliveryFailed) as refused:
            await SmtpChannel(settings_for(catcher.port)).send(reminder(), TO, CONTENT)

    assert refused.value.retryable is False
    assert str(code) in refused.value.reason


async def test_connection_refused_is_retryable() -> None:
    with pytest.raises(DeliveryFailed) as refused:
        await SmtpChannel(settings_for(closed_port())).send(reminder(), TO, CONTENT)

    assert refused.value.retryable is True


async def test_a_stopped_then_restarted_server_receives_the_resend() -> None:
    async with MailCatcher() as catcher:
        channel = SmtpChannel(settings_for(catcher.port))
        await catcher.stop()
        with pytest.raises(DeliveryFailed) as refused:
            await channel.send(reminder(), TO, CONTENT)
        await catcher.start()
        await channel.send(reminder(), TO, CONTENT)

    assert refused.value.retryable is True
    assert len(catcher.messages) == 1


async def test_no_recipients_is_not_retryable_and_sends_nothing() -> None:
    async with MailCatcher() as catcher:
        with pytest.raises(DeliveryFailed) as refused:
            await SmtpChannel(settings_for(catcher.port)).send(reminder(), [], CONTENT)

    assert refused.value.retryable is False
    assert catcher.messages == []


async def test_credentials_for_a_server_without_auth_fail_permanently_without_showing_the_password() -> None:
    password = "s3cret-relay-pw"
    async with MailCatcher() as catcher:
        settings = settings_for(catcher.port, username="pathway", password=password)
        with pytest.raises(DeliveryFailed) as failed:
            await SmtpChannel(settings).send(reminder(), TO, CONTENT)

    assert failed.value.retryable is False
    assert password not in str(failed.value)
    assert password not in repr(failed.value)
    assert password not in repr(settings)


async def test_a_server_without_the_required_starttls_is_not_retryable() -> None:
    async with MailCatcher() as catcher:
        with pytest.raises(DeliveryFailed) as failed:
            await SmtpChannel(settings_for(catcher.port, starttls=True)).send(reminder(), TO, CONTENT)

    assert failed.value.retryable is False
    assert "STARTTLS" in failed.value.reason
    assert catcher.messages == []


async def test_a_partial_refusal_is_a_success_logged_with_the_refused_address() -> None:
    async with MailCatcher() as catcher:
        catcher.refuse(code=550, addresses=[TO[1]])
        with capture_logs() as logs:
            message_id = await SmtpChannel(settings_for(catcher.port)).send(reminder(), TO, CONTENT)

    [received] = catcher.received
    assert received.rcpt_tos == (TO[0],)
    assert received.message["Message-ID"] == message_id
    assert [(e["event"], e["refused"]) for e in logs] == [("recipients_refused", {TO[1]: 550})]
