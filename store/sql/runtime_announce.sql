INSERT INTO runtime_processes (process_id, kind, host, pid, rulesets) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (process_id) DO UPDATE SET rulesets = EXCLUDED.rulesets, seen_at = now()
