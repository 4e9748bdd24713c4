INSERT INTO obligations (
    patient_ref, obligation_id, rule, kind, due_on, deadline_on, status, satisfied_by, satisfied_on
)
SELECT $1, o.obligation_id, o.rule, o.kind, o.due_on, o.deadline_on, o.status, o.satisfied_by, o.satisfied_on
FROM unnest($2::text[], $3::text[], $4::text[], $5::date[], $6::date[], $7::text[], $8::text[], $9::date[])
    AS o (obligation_id, rule, kind, due_on, deadline_on, status, satisfied_by, satisfied_on)
