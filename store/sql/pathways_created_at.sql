SELECT created_at FROM pathways WHERE patient_ref = $1
