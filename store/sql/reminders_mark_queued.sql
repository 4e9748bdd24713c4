-- The e-mail waits for the recipients' digests (a sent row is left alone).
UPDATE reminders
SET status = 'queued', last_error = NULL
WHERE reminder_id = $1 AND channel = $2 AND status <> 'sent'
