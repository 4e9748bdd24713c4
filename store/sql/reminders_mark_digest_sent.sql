-- The e-mail rows of the digest's reminders become `sent` once every recipient's digest that
-- carries them is sent (a reminder to a neurologist and the coordinator is in two digests).
UPDATE reminders AS r
SET status = 'sent', sent_at = now(), attempts = r.attempts + 1, digest_id = $1, last_error = NULL
WHERE r.channel = 'email' AND r.status <> 'sent'
  AND r.reminder_id IN (SELECT reminder_id FROM digest_items WHERE digest_id = $1)
  AND NOT EXISTS (
      SELECT 1 FROM digest_items AS i LEFT JOIN digests AS d ON d.digest_id = i.digest_id
      WHERE i.reminder_id = r.reminder_id AND d.status IS DISTINCT FROM 'sent')
