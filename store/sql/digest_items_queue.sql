-- Queue a reminder for a recipient's next digest; queued twice, it stays one item.
INSERT INTO digest_items (reminder_id, role, recipient_id, centre_id, patient_ref, message)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (reminder_id, role, recipient_id) DO NOTHING
