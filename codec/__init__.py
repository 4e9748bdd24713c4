"""Payload encryption: an AES-GCM payload codec with key ids, and the codec server the
Temporal UI calls to show decrypted payloads to authorised engineers."""
