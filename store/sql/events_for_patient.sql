SELECT seq, payload::text AS payload FROM events WHERE patient_ref = $1 AND seq > $2 ORDER BY seq
