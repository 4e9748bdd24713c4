DELETE FROM event_claims WHERE event_id = ANY($1::text[])
