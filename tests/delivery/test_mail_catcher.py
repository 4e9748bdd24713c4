from __future__ import annotations

import os
import stat
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from delivery.email import SmtpChannel, SmtpSettings
from delivery.mail_catcher import MailCatcher
from tests.delivery.builders import reminder
from tests.delivery.test_email import CONTENT


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "::", "mail.example"])
def test_the_catcher_refuses_to_bind_anything_but_loopback(host: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        MailCatcher(host=host)


async def test_the_catcher_listens_on_loopback() -> None:
    async with MailCatcher(host="localhost") as catcher:
        assert catcher.host == "127.0.0.1"
        assert catcher.port > 0


async def test_each_message_is_written_to_the_maildir(tmp_path: Path) -> None:
    maildir = tmp_path / "mail"
    async with MailCatcher(maildir=maildir) as catcher:
        channel = SmtpChannel(SmtpSettings(host="127.0.0.1", port=catcher.port, sender="pathway@crc.example"))
        await channel.send(reminder(reminder_id="first"), ["a@chu.example"], CONTENT)
        await channel.send(reminder(reminder_id="second"), ["a@chu.example"], CONTENT)

    stored = [message_from_bytes(p.read_bytes(), policy=policy.default) for p in sorted(maildir.glob("*.eml"))]
    assert [m["X-Pathway-Reminder-Id"] for m in stored] == ["first", "second"]


async def test_e_mail_files_are_readable_by_their_owner_only_whatever_the_umask(tmp_path: Path) -> None:
    maildir = tmp_path / "mail"
    maildir.mkdir(mode=0o755)
    previous = os.umask(0o022)
    try:
        async with MailCatcher(maildir=maildir) as catcher:
            channel = SmtpChannel(SmtpSettings(host="127.0.0.1", port=catcher.port, sender="pathway@crc.example"))
            await channel.send(reminder(), ["a@chu.example"], CONTENT)
    finally:
        os.umask(previous)

    assert stat.S_IMODE(maildir.stat().st_mode) == 0o700
    assert [stat.S_IMODE(p.stat().st_mode) for p in maildir.iterdir()] == [0o600]


async def test_a_restarted_catcher_keeps_numbering_after_the_files_already_there(tmp_path: Path) -> None:
    (tmp_path / "1.eml").write_bytes(b"Subject: earlier\r\n\r\nbody\r\n")
    async with MailCatcher(maildir=tmp_path) as catcher:
        channel = SmtpChannel(SmtpSettings(host="127.0.0.1", port=catcher.port, sender="pathway@crc.example"))
        await channel.send(reminder(), ["a@chu.example"], CONTENT)

    assert sorted(p.name for p in tmp_path.glob("*.eml")) == ["1.eml", "2.eml"]


async def test_wait_for_returns_once_enough_messages_arrived() -> None:
    async with MailCatcher() as catcher:
        channel = SmtpChannel(SmtpSettings(host="127.0.0.1", port=catcher.port, sender="pathway@crc.example"))
        await channel.send(reminder(), ["a@chu.example"], CONTENT)

        messages = await catcher.wait_for(1, timeout_s=1.0)

    assert len(messages) == 1


@pytest.mark.parametrize("code, at, addresses", [(250, "rcpt", None), (451, "mail", None), (451, "data", ["a@x"])])
def test_refuse_needs_an_error_code_and_a_known_stage(code: int, at: str, addresses: list[str] | None) -> None:
    with pytest.raises(ValueError):
        MailCatcher().refuse(code=code, at=at, addresses=addresses)
