SELECT reminder_id, channel, patient_ref, obligation_id, rule, kind, step, due_on, scheduled_at, escalated,
       recipients, message_id, status, attempts, last_error, created_at, sent_at, digest_id
FROM reminders
WHERE patient_ref = $1
ORDER BY scheduled_at, reminder_id, channel
