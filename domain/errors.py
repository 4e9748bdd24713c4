"""The domain's own error hierarchy: boundaries turn these into HTTP/Temporal errors; and
how an error may quote what it was given."""

SHOWN_CHARS = 64
"""At most this much of a sender's input is quoted back in an error (then an ellipsis): enough
to recognise a misspelt code or key, never the whole of a 1 MB one, and never needed to
understand the error, which names the field and what it expects."""


def shown(value: object, limit: int = SHOWN_CHARS) -> str:
    """`value` as an error may quote it: its text cut to `limit` characters, with an ellipsis."""
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "…"


def quoted(value: object, limit: int = SHOWN_CHARS) -> str:
    """`shown`, between quotes: `'natalizumabb'`."""
    return f"'{shown(value, limit)}'"


class PathwayError(Exception):
    """Base class for every error the domain raises on purpose."""


class EventRefused(PathwayError):
    """An event that cannot be accepted (schema or admissibility), with a reason that names the field."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class PathwayEnded(EventRefused):
    """The patient's follow-up has ended (`follow_up_ended`): the pathway takes no more events."""


class EventIdConflict(EventRefused):
    """An `event_id` already used for a different event (idempotency keys are never reused)."""
