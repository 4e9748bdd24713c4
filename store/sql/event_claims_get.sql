SELECT event_id, patient_ref, payload_sha256 FROM event_claims WHERE event_id = ANY($1::text[])
