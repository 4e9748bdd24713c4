SELECT patient_ref, stage, molecule, tracks, neurologist_id, centre_id, next_reminder_at,
       ended, ruleset_version, as_of, plan_version, anomalies, updated_at
FROM patients
WHERE patient_ref = $1
