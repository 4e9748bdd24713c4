"""Reminder delivery to staff: e-mail over SMTP and a signed webhook.

Each channel has `name` and `async send(message, to) -> str`, returns the id the
receiver can deduplicate on (the e-mail's Message-ID, the webhook's idempotency key;
both derived from the reminder id), and raises `DeliveryFailed` at its boundary.
"""
