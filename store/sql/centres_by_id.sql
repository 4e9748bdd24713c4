SELECT centre_id, display_name, coordinator_email, default_queue_email, webhook_url FROM centres WHERE centre_id = ANY($1::text[])
