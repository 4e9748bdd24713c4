-- Attach the recipient's waiting items to digest $1 unless it went out already (what comes
-- after today's digest waits for tomorrow's: one message per recipient a day).
UPDATE digest_items AS i SET digest_id = $1
WHERE i.centre_id = $2 AND i.role = $3 AND i.recipient_id = $4
  AND EXISTS (SELECT 1 FROM digests WHERE digest_id = $1 AND status <> 'sent')
  AND (i.digest_id IS NULL
       OR i.digest_id IN (SELECT digest_id FROM digests WHERE status IN ('waiting', 'failed') AND day < $5))
