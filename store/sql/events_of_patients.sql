-- Several patients' events at once (a ruleset preview reads thousands of patients).
SELECT patient_ref, payload::text AS payload FROM events
WHERE patient_ref = ANY($1::text[])
ORDER BY patient_ref, seq
