-- Nothing comes back when an active token already has this name.
INSERT INTO api_tokens (name, role, token_sha256)
VALUES ($1, $2, $3)
ON CONFLICT (name) WHERE revoked_at IS NULL DO NOTHING
RETURNING name, role, created_at, revoked_at
