-- Idempotent: a sent digest keeps its first sent_at.
UPDATE digests SET status = 'sent', sent_at = now(), attempts = attempts + 1, last_error = NULL
WHERE digest_id = $1 AND status <> 'sent'
