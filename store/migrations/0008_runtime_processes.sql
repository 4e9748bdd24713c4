-- The processes running (workers, APIs) and the rulesets each loaded (issue 13): a worker and
-- an API configured differently would compute plans with other rules; /readyz and
-- `pathway rules` show the mismatch. A process announces itself at start and refreshes
-- seen_at; rows not seen for a while belong to processes gone.
CREATE TABLE runtime_processes (
    process_id text        PRIMARY KEY,
    kind       text        NOT NULL CHECK (kind IN ('worker', 'api')),
    host       text        NOT NULL,
    pid        integer     NOT NULL,
    rulesets   jsonb       NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now(),
    seen_at    timestamptz NOT NULL DEFAULT now()
);
