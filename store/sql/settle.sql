-- A pathway's settle in one statement (one round trip, atomic as a statement is): the
-- events not stored yet appended in order of receipt ($1-$7, one sender per event), then,
-- only if $18 is newer than the stored plan version, the patient row ($8-$19) and its
-- obligations ($20-$27): rows of obligations gone from the plan deleted, the others
-- upserted (disjoint rows, so the two sub-statements never touch the same one).
-- An event_id stored before with other content writes nothing at all (`conflict`).
-- Rows returned: 'new' per event inserted now; 'known' with the payload of each event
-- stored before this statement (the caller names those whose content differs);
-- 'published' if the plan was written.
WITH input AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::date[], $5::text[], $6::text[], $7::text[])
        WITH ORDINALITY AS e (event_id, patient_ref, type, occurred_on, source, sender, payload, ord)
),
conflict AS (
    SELECT 1 FROM events s JOIN input i ON s.event_id = i.event_id WHERE s.payload <> i.payload::jsonb LIMIT 1
),
new_events AS (
    INSERT INTO events (event_id, patient_ref, type, occurred_on, source, sender, payload)
    SELECT e.event_id, e.patient_ref, e.type, e.occurred_on, e.source, e.sender, e.payload::jsonb
    FROM input e
    WHERE NOT EXISTS (SELECT 1 FROM conflict)
    ORDER BY e.ord
    ON CONFLICT (event_id) DO NOTHING
    RETURNING event_id
),
patient AS (
    INSERT INTO patients (
        patient_ref, stage, molecule, tracks, neurologist_id, centre_id, next_reminder_at,
        ended, ruleset_version, as_of, plan_version, anomalies, updated_at
    )
    SELECT $8::text, $9::text, $10::text, $11::text[], $12::text, $13::text, $14::timestamptz, $15::text,
           $16::text, $17::date, $18::bigint, $19::jsonb, now()
    WHERE NOT EXISTS (SELECT 1 FROM conflict)
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
    WHERE patients.plan_version < EXCLUDED.plan_version
    RETURNING patient_ref
),
gone AS (
    DELETE FROM obligations o
    USING patient p
    WHERE o.patient_ref = p.patient_ref AND o.obligation_id <> ALL($20::text[])
),
upserted AS (
    INSERT INTO obligations (
        patient_ref, obligation_id, rule, kind, due_on, deadline_on, status, satisfied_by, satisfied_on
    )
    SELECT p.patient_ref, o.obligation_id, o.rule, o.kind, o.due_on, o.deadline_on, o.status, o.satisfied_by,
           o.satisfied_on
    FROM patient p,
        unnest($20::text[], $21::text[], $22::text[], $23::date[], $24::date[], $25::text[], $26::text[], $27::date[])
        AS o (obligation_id, rule, kind, due_on, deadline_on, status, satisfied_by, satisfied_on)
    ON CONFLICT (patient_ref, obligation_id) DO UPDATE SET
        rule = EXCLUDED.rule,
        kind = EXCLUDED.kind,
        due_on = EXCLUDED.due_on,
        deadline_on = EXCLUDED.deadline_on,
        status = EXCLUDED.status,
        satisfied_by = EXCLUDED.satisfied_by,
        satisfied_on = EXCLUDED.satisfied_on
)
SELECT 'new' AS what, event_id, NULL::jsonb AS payload FROM new_events
UNION ALL
SELECT 'known', s.event_id, s.payload FROM events s WHERE s.event_id = ANY($1::text[])
UNION ALL
SELECT 'published', patient_ref, NULL FROM patient
