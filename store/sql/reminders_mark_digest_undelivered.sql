-- The digest could not go out: its reminders' e-mail rows say why (shown on the plan and the
-- worklist as undelivered), and they are offered again.
UPDATE reminders SET status = $2, attempts = attempts + 1, last_error = $3, digest_id = $1
WHERE channel = 'email' AND status <> 'sent'
  AND reminder_id IN (SELECT reminder_id FROM digest_items WHERE digest_id = $1)
