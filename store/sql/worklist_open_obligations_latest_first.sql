-- The same as worklist_open_obligations.sql, the latest due first (the least late first).
-- Every filter is optional: a NULL parameter switches its condition off.
-- Both due bounds are inclusive ($5 <= due_on <= $6).
-- undelivered_reminder: why the obligation's latest reminder has not reached anyone, if so.
SELECT o.patient_ref, o.obligation_id, o.rule, o.kind, o.due_on, o.deadline_on, o.status,
       o.satisfied_by, o.satisfied_on,
       p.stage, p.molecule, p.neurologist_id, p.centre_id, p.next_reminder_at,
       (SELECT CASE WHEN r.status IN ('waiting', 'failed') THEN coalesce(r.last_error, r.status) END
        FROM reminders AS r
        WHERE r.patient_ref = o.patient_ref AND r.obligation_id = o.obligation_id AND r.due_on = o.due_on
        ORDER BY r.scheduled_at DESC, (r.status = 'sent')
        LIMIT 1) AS undelivered_reminder
FROM obligations AS o
JOIN patients AS p USING (patient_ref)
WHERE o.status = ANY($1::text[])
  AND ($2::text IS NULL OR p.centre_id = $2)
  AND ($3::text IS NULL OR p.neurologist_id = $3)
  AND ($4::text[] IS NULL OR o.kind = ANY($4))
  AND ($5::date IS NULL OR o.due_on >= $5)
  AND ($6::date IS NULL OR o.due_on <= $6)
ORDER BY o.due_on DESC, o.patient_ref, o.obligation_id
LIMIT $7 OFFSET $8
