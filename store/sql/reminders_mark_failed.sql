-- A failure reported after a success (a late retry) never downgrades a sent reminder.
UPDATE reminders
SET status = 'failed', attempts = attempts + 1, last_error = $3
WHERE reminder_id = $1 AND channel = $2 AND status <> 'sent'
