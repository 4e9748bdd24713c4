SELECT payload::text AS payload FROM events WHERE patient_ref = $1 ORDER BY seq
