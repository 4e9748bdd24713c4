SELECT payload FROM events WHERE event_id = $1
