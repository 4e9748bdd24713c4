-- Keyset pages of one centre's patients (a ruleset preview).
SELECT patient_ref FROM pathways
WHERE ($1::text IS NULL OR centre_id = $1) AND patient_ref > $2
ORDER BY patient_ref
LIMIT $3
