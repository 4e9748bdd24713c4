-- A reminder already claimed keeps its row (and its message_id): the caller reads it back.
-- Until it is sent, a new attempt refreshes who it goes to (the directory may have changed).
INSERT INTO reminders (
    reminder_id, channel, patient_ref, obligation_id, rule, kind, step, due_on,
    scheduled_at, escalated, recipients, message_id
)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
ON CONFLICT (reminder_id, channel) DO UPDATE
SET recipients = EXCLUDED.recipients, escalated = EXCLUDED.escalated
WHERE reminders.status <> 'sent'
