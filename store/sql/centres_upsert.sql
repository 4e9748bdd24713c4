INSERT INTO centres (centre_id, display_name, coordinator_email, default_queue_email, webhook_url)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
ON CONFLICT (centre_id) DO UPDATE SET
    display_name = EXCLUDED.display_name,
    coordinator_email = EXCLUDED.coordinator_email,
    default_queue_email = EXCLUDED.default_queue_email,
    webhook_url = EXCLUDED.webhook_url
