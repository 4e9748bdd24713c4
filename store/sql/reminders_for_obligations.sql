SELECT reminder_id, obligation_id, due_on, escalated, status, last_error
FROM reminders
WHERE patient_ref = $1 AND obligation_id = ANY($2::text[])
