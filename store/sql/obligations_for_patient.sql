SELECT patient_ref, obligation_id, rule, kind, due_on, deadline_on, status, satisfied_by, satisfied_on
FROM obligations
WHERE patient_ref = $1
ORDER BY due_on, obligation_id
