SELECT name, role, created_at, revoked_at FROM api_tokens ORDER BY name, created_at
