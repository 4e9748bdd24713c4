SELECT event_id, payload FROM events WHERE event_id = ANY($1::text[])
