-- A patient's centre decides its ruleset (issue 13): kept beside the pathway so the intake
-- can check an event's codes against the right ruleset without reading every stored event.
-- The centre is that of the latest care_team_assigned received that no stored retraction
-- names (domain.history.centre_of); the append keeps it up to date.
ALTER TABLE pathways ADD COLUMN centre_id text;

UPDATE pathways AS p SET centre_id = (
    SELECT e.payload ->> 'centre_id' FROM events AS e
    WHERE e.patient_ref = p.patient_ref AND e.type = 'care_team_assigned'
      AND NOT EXISTS (SELECT 1 FROM events AS r
                      WHERE r.patient_ref = e.patient_ref AND r.type = 'event_retracted'
                        AND r.payload ->> 'retracted_event_id' = e.event_id)
    ORDER BY e.seq DESC LIMIT 1);

CREATE INDEX pathways_centre ON pathways (centre_id);
