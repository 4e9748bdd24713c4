SELECT name, role, created_at, revoked_at FROM api_tokens WHERE token_sha256 = $1
