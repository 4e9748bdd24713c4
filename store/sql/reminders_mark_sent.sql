-- Idempotent: a second call changes nothing (sent_at keeps the first send's time).
UPDATE reminders
SET status = 'sent', sent_at = now(), attempts = attempts + 1
WHERE reminder_id = $1 AND channel = $2 AND status <> 'sent'
