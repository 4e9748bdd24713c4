SELECT message FROM digest_items WHERE digest_id = $1 ORDER BY patient_ref, reminder_id
