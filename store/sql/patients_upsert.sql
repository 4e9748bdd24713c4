-- The version is the event-store position the plan comes from: a plan of fewer events is a
-- no-op (no row comes back); one of the same events at a later time replaces it.
INSERT INTO patients (
    patient_ref, stage, molecule, tracks, neurologist_id, centre_id, next_reminder_at,
    ended, ruleset_version, as_of, plan_version, anomalies, updated_at
)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, now())
ON CONFLICT (patient_ref) DO UPDATE SET
    stage = EXCLUDED.stage,
    molecule = EXCLUDED.molecule,
    tracks = EXCLUDED.tracks,
    neurologist_id = EXCLUDED.neurologist_id,
    centre_id = EXCLUDED.centre_id,
    next_reminder_at = EXCLUDED.next_reminder_at,
    ended = EXCLUDED.ended,
    ruleset_version = EXCLUDED.ruleset_version,
    as_of = EXCLUDED.as_of,
    plan_version = EXCLUDED.plan_version,
    anomalies = EXCLUDED.anomalies,
    updated_at = now()
WHERE patients.plan_version <= EXCLUDED.plan_version
RETURNING plan_version
