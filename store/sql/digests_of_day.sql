SELECT digest_id, centre_id, role, recipient_id, day, message_id, items, status, attempts, last_error,
       created_at, sent_at
FROM digests WHERE centre_id = ANY($1::text[]) AND day = $2 ORDER BY centre_id, role, recipient_id
