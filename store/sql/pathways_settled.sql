-- The position only grows; the run is the latest one that settled.
UPDATE pathways
SET settled_seq = GREATEST(settled_seq, $2), settled_run_id = $3, settled_at = now()
WHERE patient_ref = $1
