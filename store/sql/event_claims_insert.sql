-- Sorted by event_id so that two batches sharing ids wait for each other, never deadlock.
INSERT INTO event_claims (event_id, patient_ref, payload_sha256)
SELECT c.event_id, c.patient_ref, c.payload_sha256
FROM unnest($1::text[], $2::text[], $3::text[]) AS c (event_id, patient_ref, payload_sha256)
ORDER BY c.event_id
ON CONFLICT (event_id) DO NOTHING
RETURNING event_id
