-- The recipient's digest of the day: created once (with its Message-ID); attempts again find it.
INSERT INTO digests (digest_id, centre_id, role, recipient_id, day, message_id, items)
VALUES ($1, $2, $3, $4, $5, $6, 0)
ON CONFLICT (digest_id) DO NOTHING
