-- Keyset pages in patient order (a reconcile walks every pathway without a long transaction).
SELECT patient_ref, stored_seq, events, ended_by, settled_seq, settled_run_id, centre_id
FROM pathways
WHERE patient_ref > $1
ORDER BY patient_ref
LIMIT $2
