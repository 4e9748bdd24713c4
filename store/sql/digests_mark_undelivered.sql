-- $2: `waiting` (no address) or `failed`; a sent digest is left alone.
UPDATE digests SET status = $2, attempts = attempts + 1, last_error = $3
WHERE digest_id = $1 AND status <> 'sent'
