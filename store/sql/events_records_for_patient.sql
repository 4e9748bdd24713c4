SELECT seq, event_id, received_at, sender, payload::text AS payload
FROM events
WHERE patient_ref = $1
ORDER BY seq
