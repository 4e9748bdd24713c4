-- A token's name is the `sender` recorded with every event it posts, so a name must stand
-- for one token for ever: names are never reused, revoked tokens' included (before this,
-- a name was free again once its token was revoked, and past senders became ambiguous).
--
-- A database where a name was already reused keeps its newest token under that name; each
-- older one is renamed `<name>-r<token_id>` (cut to fit 64 characters), so the constraint
-- holds. Events those older tokens posted keep the sender they were stored with: which of
-- them sent what was ambiguous already and cannot be told now.
UPDATE api_tokens AS older
SET name = left(older.name, 62 - length(older.token_id::text)) || '-r' || older.token_id
WHERE EXISTS (SELECT 1 FROM api_tokens AS newer
              WHERE newer.name = older.name AND newer.token_id > older.token_id);

DROP INDEX api_tokens_active_name;
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_name_once UNIQUE (name);
