SELECT neurologist_id, email, webhook_url FROM neurologists WHERE neurologist_id = ANY($1::text[])
