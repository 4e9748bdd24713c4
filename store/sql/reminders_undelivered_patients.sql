SELECT DISTINCT patient_ref FROM reminders WHERE status IN ('waiting', 'failed') ORDER BY patient_ref
