SELECT neurologist_id, display_name, email, webhook_url FROM neurologists WHERE neurologist_id = ANY($1::text[])
