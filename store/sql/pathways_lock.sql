-- Held until the caller's transaction ends: one patient's appends run one after another.
SELECT patient_ref, stored_seq, events, ended_by, settled_seq, settled_run_id, centre_id
FROM pathways WHERE patient_ref = $1
FOR UPDATE
