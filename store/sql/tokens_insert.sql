-- Nothing comes back when a token, active or revoked, already has this name.
INSERT INTO api_tokens (name, role, token_sha256)
VALUES ($1, $2, $3)
ON CONFLICT (name) DO NOTHING
RETURNING name, role, created_at, revoked_at
