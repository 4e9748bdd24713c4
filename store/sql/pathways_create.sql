INSERT INTO pathways (patient_ref) VALUES ($1) ON CONFLICT (patient_ref) DO NOTHING
