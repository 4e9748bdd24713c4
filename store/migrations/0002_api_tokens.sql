-- Bearer tokens of the HTTP API. Only the sha256 of a token is kept: the token itself is
-- shown once, when it is created. A revoked token keeps its row (audit: its name is the
-- `sender` of the events it posted), and its name may then be given to a new token.
CREATE TABLE api_tokens (
    token_id     bigserial   PRIMARY KEY,
    name         text        NOT NULL CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
    role         text        NOT NULL CHECK (role IN ('integration', 'staff')),
    token_sha256 text        NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz
);
-- One active token per name: `pathway token revoke NAME` names exactly one.
CREATE UNIQUE INDEX api_tokens_active_name ON api_tokens (name) WHERE revoked_at IS NULL;
