INSERT INTO neurologists (neurologist_id, display_name, email, webhook_url, centre_id)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
ON CONFLICT (neurologist_id) DO UPDATE SET
    display_name = EXCLUDED.display_name,
    email = EXCLUDED.email,
    webhook_url = EXCLUDED.webhook_url,
    centre_id = EXCLUDED.centre_id
