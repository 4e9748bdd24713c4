DELETE FROM obligations WHERE patient_ref = $1
