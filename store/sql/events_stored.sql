SELECT event_id, patient_ref, payload FROM events WHERE event_id = ANY($1::text[])
