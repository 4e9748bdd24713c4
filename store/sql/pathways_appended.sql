UPDATE pathways
SET stored_seq = $2, events = events + $3, ended_by = $4, updated_at = now()
WHERE patient_ref = $1
RETURNING patient_ref, stored_seq, events, ended_by, settled_seq, settled_run_id, centre_id
