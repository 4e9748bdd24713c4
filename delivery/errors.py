"""The one error a delivery channel raises; driver errors are turned into it at the boundary."""

from __future__ import annotations


class DeliveryFailed(Exception):
    """A reminder was not handed over. `retryable` tells whether the same send may succeed later."""

    def __init__(self, channel: str, reason: str, retryable: bool) -> None:
        super().__init__(channel, reason, retryable)
        self.channel = channel
        self.reason = reason
        self.retryable = retryable

    def __str__(self) -> str:
        kind = "retryable" if self.retryable else "permanent"
        return f"{self.channel} delivery failed ({kind}): {self.reason}"


class NoRecipient(DeliveryFailed):
    """Nobody to send to yet (no address in the directory): not a failure of the channel. The
    reminder stays pending and visible, and goes out once an address is known."""

    def __init__(self, channel: str, reason: str) -> None:
        super().__init__(channel, reason, retryable=False)
