-- Daily digests (issue 14). A reminder whose e-mail mode is `digest` is queued here, one row
-- per recipient (the outbox), instead of being e-mailed at once; a centre's digest run sends
-- each recipient one message listing what waits for them and records it in `digests`.

-- The reminder log's e-mail row says `queued` until the digest carrying it is sent.
ALTER TABLE reminders DROP CONSTRAINT reminders_status_check;
ALTER TABLE reminders ADD CONSTRAINT reminders_status_check
    CHECK (status IN ('pending', 'queued', 'sent', 'waiting', 'failed'));
ALTER TABLE reminders ADD COLUMN digest_id text;
-- the digest the e-mail went out in (NULL: sent on its own, or not yet)

CREATE TABLE digest_items (
    reminder_id  text        NOT NULL,
    role         text        NOT NULL,
    -- `neurologist`, `crc_coordinator` or `default_queue`
    recipient_id text        NOT NULL,
    centre_id    text        NOT NULL,
    patient_ref  text        NOT NULL,
    message      jsonb       NOT NULL,
    -- the ReminderMessage: identifiers, rule, kind, dates; no molecule, diagnosis or score
    queued_at    timestamptz NOT NULL DEFAULT now(),
    digest_id    text,
    -- the digest that carries it; NULL: waiting for the recipient's next digest
    PRIMARY KEY (reminder_id, role, recipient_id)
);
CREATE INDEX digest_items_waiting ON digest_items (centre_id, role, recipient_id) WHERE digest_id IS NULL;
CREATE INDEX digest_items_of_digest ON digest_items (digest_id) WHERE digest_id IS NOT NULL;

-- One row per (recipient, day): the key of "exactly once a day". Its message_id is derived
-- from digest_id, so a resend after a crash between the SMTP acceptance and this record
-- carries the same Message-ID.
CREATE TABLE digests (
    digest_id    text        PRIMARY KEY,
    centre_id    text        NOT NULL,
    role         text        NOT NULL,
    recipient_id text        NOT NULL,
    day          date        NOT NULL,
    message_id   text        NOT NULL,
    items        integer     NOT NULL,
    status       text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'waiting', 'failed')),
    attempts     integer     NOT NULL DEFAULT 0,
    last_error   text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    sent_at      timestamptz,
    UNIQUE (centre_id, role, recipient_id, day)
);
CREATE INDEX digests_day ON digests (centre_id, day);
