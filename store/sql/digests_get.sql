SELECT digest_id, centre_id, role, recipient_id, day, message_id, items, status, attempts, last_error,
       created_at, sent_at
FROM digests WHERE digest_id = $1
