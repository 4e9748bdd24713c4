-- The centre of the latest care_team_assigned received that no stored retraction names.
UPDATE pathways AS p SET centre_id = (
    SELECT e.payload ->> 'centre_id' FROM events AS e
    WHERE e.patient_ref = $1 AND e.type = 'care_team_assigned'
      AND NOT EXISTS (SELECT 1 FROM events AS r
                      WHERE r.patient_ref = $1 AND r.type = 'event_retracted'
                        AND r.payload ->> 'retracted_event_id' = e.event_id)
    ORDER BY e.seq DESC LIMIT 1)
WHERE p.patient_ref = $1
RETURNING patient_ref, stored_seq, events, ended_by, settled_seq, settled_run_id, centre_id
