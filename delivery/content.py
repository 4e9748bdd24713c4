"""What a channel is handed to show people: a subject, plain text and HTML, rendered beforehand
(`rendering.letters`, from the centre's templates and language). Channels format nothing
themselves: they carry what they are given."""

from __future__ import annotations

from typing import Protocol


class Content(Protocol):
    subject: str
    text: str
    html: str
