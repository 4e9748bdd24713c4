-- Every filter is optional: a NULL parameter switches its condition off.
-- Both due bounds are inclusive ($5 <= due_on <= $6).
-- undelivered_reminder: why the obligation's latest reminder has not reached anyone, if so.
-- reminder_email, digest_id, digest_day, found_at_import: the latest reminder's e-mail and the
-- digest that carries it (migration 0009).
SELECT o.patient_ref, o.obligation_id, o.rule, o.kind, o.due_on, o.deadline_on, o.status,
       o.satisfied_by, o.satisfied_on,
       p.stage, p.molecule, p.neurologist_id, p.centre_id, p.next_reminder_at,
       (SELECT CASE WHEN r.status IN ('waiting', 'failed') THEN coalesce(r.last_error, r.status) END
        FROM reminders AS r
        WHERE r.patient_ref = o.patient_ref AND r.obligation_id = o.obligation_id AND r.due_on = o.due_on
        ORDER BY r.scheduled_at DESC, (r.status = 'sent')
        LIMIT 1) AS undelivered_reminder,
       e.status AS reminder_email, e.digest_id, e.digest_day, coalesce(e.found_at_import, false) AS found_at_import
FROM obligations AS o
JOIN patients AS p USING (patient_ref)
LEFT JOIN LATERAL (
    SELECT r.status, coalesce(r.digest_id, i.digest_id) AS digest_id, d.day AS digest_day,
           (i.message ->> 'found_at_import')::boolean AS found_at_import
    FROM reminders AS r
    LEFT JOIN LATERAL (SELECT digest_id, message FROM digest_items
                       WHERE reminder_id = r.reminder_id ORDER BY role LIMIT 1) AS i ON true
    LEFT JOIN digests AS d ON d.digest_id = coalesce(r.digest_id, i.digest_id)
    WHERE r.patient_ref = o.patient_ref AND r.obligation_id = o.obligation_id AND r.due_on = o.due_on
      AND r.channel = 'email'
    ORDER BY r.scheduled_at DESC
    LIMIT 1
) AS e ON true
WHERE o.status = ANY($1::text[])
  AND ($2::text IS NULL OR p.centre_id = $2)
  AND ($3::text IS NULL OR p.neurologist_id = $3)
  AND ($4::text[] IS NULL OR o.kind = ANY($4))
  AND ($5::date IS NULL OR o.due_on >= $5)
  AND ($6::date IS NULL OR o.due_on <= $6)
ORDER BY o.due_on, o.patient_ref, o.obligation_id
LIMIT $7 OFFSET $8
