-- A batch in one statement; WITH ORDINALITY keeps the batch's order in seq.
-- ON CONFLICT: an id stored meanwhile by another patient's request comes back missing,
-- and the caller refuses the batch (nothing of it is kept).
INSERT INTO events (event_id, patient_ref, type, occurred_on, source, sender, payload)
SELECT e.event_id, e.patient_ref, e.type, e.occurred_on, e.source, $6::text, e.payload::jsonb
FROM unnest($1::text[], $2::text[], $3::text[], $4::date[], $5::text[], $7::text[])
    WITH ORDINALITY AS e (event_id, patient_ref, type, occurred_on, source, payload, ord)
ORDER BY e.ord
ON CONFLICT (event_id) DO NOTHING
RETURNING event_id, seq
