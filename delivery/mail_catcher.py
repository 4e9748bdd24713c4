"""A real SMTP server on loopback that keeps what it receives, for `pathway dev` and tests.

Built on aiosmtpd and run on the caller's event loop. It can answer an SMTP error
code for a while (`refuse`) to play a relay outage; stopping it plays a connection
refused. It binds loopback addresses only: it accepts mail from anyone who can reach it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

_HOSTNAME = "mail-catcher.localhost"
_STAGES = ("rcpt", "data")


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage


class MailCatcher:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, maildir: Path | None = None) -> None:
        self.host = _loopback(host)
        self.port = port
        self.maildir = maildir
        self.received: list[Received] = []
        self._refusal: tuple[int, str] | None = None
        self._refused_addresses: frozenset[str] | None = None
        self._server: asyncio.Server | None = None
        self._connections: set[SMTP] = set()
        self._arrived = asyncio.Condition()
        self._next_file = 1
        self.on_accept: Callable[[EmailMessage], Awaitable[None]] | None = None
        """Called for each message kept, before the "250" reply (fault injection in tests)."""
        self.on_rcpt: Callable[[str], Awaitable[None]] | None = None
        """Called at each RCPT command, before its reply: nothing is accepted yet."""

    @property
    def messages(self) -> list[EmailMessage]:
        return [r.message for r in self.received]

    def refuse(self, code: int = 451, at: str = "rcpt", addresses: Iterable[str] | None = None) -> None:
        """Answer `code` to every RCPT (or DATA) until `accept()`; 4xx is a temporary refusal.

        With `addresses`, only RCPT for those addresses is refused (a partial refusal).
        """
        if not 400 <= code < 600 or at not in _STAGES or (addresses is not None and at != "rcpt"):
            raise ValueError(f"refuse needs a 4xx/5xx code and a stage in {_STAGES}, got {code} at {at!r}")
        self._refusal = (code, at)
        self._refused_addresses = None if addresses is None else frozenset(addresses)

    def accept(self) -> None:
        self._refusal = None
        self._refused_addresses = None

    async def start(self) -> None:
        """Listen (again) on `port`; after a stop the same port is reused."""
        if self._server is not None:
            return
        if self.maildir is not None:
            # E-mails name patients and their due items: the owner's alone.
            self.maildir.mkdir(mode=0o700, parents=True, exist_ok=True)
            self.maildir.chmod(0o700)
            self._next_file = 1 + max((int(p.stem) for p in self.maildir.glob("*.eml") if p.stem.isdigit()), default=0)
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(self._protocol, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Close the listening socket and every open session: clients now get connection refused."""
        if self._server is None:
            return
        self._server.close()
        for connection in list(self._connections):
            if connection.transport is not None:
                connection.transport.close()
        await self._server.wait_closed()
        self._server = None

    async def __aenter__(self) -> MailCatcher:
        await self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.stop()

    async def wait_for(self, count: int, timeout_s: float = 5.0) -> list[EmailMessage]:
        """Wait until at least `count` messages have arrived; raises TimeoutError otherwise."""
        async with self._arrived:
            await asyncio.wait_for(self._arrived.wait_for(lambda: len(self.received) >= count), timeout_s)
        return self.messages

    def _protocol(self) -> SMTP:
        connection = _TrackedSMTP(self, _Handler(self), hostname=_HOSTNAME)
        self._connections.add(connection)
        return connection

    def _refusal_at(self, stage: str, address: str | None = None) -> str | None:
        if self._refusal is None or self._refusal[1] != stage:
            return None
        if self._refused_addresses is not None and address not in self._refused_addresses:
            return None
        code = self._refusal[0]
        return f"{code} mail catcher refusing ({'try again later' if code < 500 else 'rejected'})"

    async def _keep(self, envelope: Envelope) -> None:
        content = envelope.original_content or envelope.content
        assert isinstance(content, bytes)
        if self.maildir is not None:
            path = self.maildir / f"{self._next_file}.eml"
            self._next_file += 1
            await asyncio.to_thread(_write_atomically, path, content)
        message = message_from_bytes(content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        async with self._arrived:
            self.received.append(Received(str(envelope.mail_from), tuple(envelope.rcpt_tos), message))
            self._arrived.notify_all()


class _TrackedSMTP(SMTP):
    def __init__(self, catcher: MailCatcher, handler: Any, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self._catcher = catcher

    def connection_lost(self, error: Exception | None) -> None:
        self._catcher._connections.discard(self)
        super().connection_lost(error)


class _Handler:
    def __init__(self, catcher: MailCatcher) -> None:
        self._catcher = catcher

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        if self._catcher.on_rcpt is not None:
            await self._catcher.on_rcpt(address)
        refusal = self._catcher._refusal_at("rcpt", address)
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        refusal = self._catcher._refusal_at("data")
        if refusal:
            return refusal
        await self._catcher._keep(envelope)
        if self._catcher.on_accept is not None:
            # Runs after the message is kept and before the client hears "250": a test can
            # kill the sender here, between the server's acceptance and the sender's record.
            await self._catcher.on_accept(self._catcher.received[-1].message)
        return "250 Message accepted for delivery"


def _loopback(host: str) -> str:
    address = "127.0.0.1" if host == "localhost" else host
    try:
        loopback = ipaddress.ip_address(address).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(f"the mail catcher binds a loopback address only, got {host!r}")
    return address


def _write_atomically(path: Path, content: bytes) -> None:
    """Readable by the owner only from the start (0600, whatever the umask)."""
    partial = path.with_suffix(".eml.partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(content)
    os.replace(partial, path)
