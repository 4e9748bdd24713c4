"""The domain's own error hierarchy: boundaries turn these into HTTP/Temporal errors."""


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
