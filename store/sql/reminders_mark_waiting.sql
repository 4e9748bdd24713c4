-- No recipient address yet: the reminder stays pending (a later settle offers it again).
UPDATE reminders
SET status = 'waiting', attempts = attempts + 1, last_error = $3
WHERE reminder_id = $1 AND channel = $2 AND status <> 'sent'
