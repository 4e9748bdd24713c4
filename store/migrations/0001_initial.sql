-- The event store, the care-plan read model, the reminder log and the staff directory.

-- Every accepted clinical event, kept forever in order of receipt (seq).
CREATE TABLE events (
    seq          bigserial   PRIMARY KEY,
    event_id     text        NOT NULL UNIQUE,
    patient_ref  text        NOT NULL,
    type         text        NOT NULL,
    occurred_on  date        NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    source       text,
    sender       text,
    payload      jsonb       NOT NULL
);
CREATE INDEX events_patient_seq ON events (patient_ref, seq);

-- One row per patient: the latest plan's header. plan_version only grows.
CREATE TABLE patients (
    patient_ref      text        PRIMARY KEY,
    stage            text,
    molecule         text,
    tracks           text[]      NOT NULL DEFAULT '{}',
    neurologist_id   text,
    centre_id        text,
    next_reminder_at timestamptz,
    ended            text,
    ruleset_version  text        NOT NULL,
    as_of            date        NOT NULL,
    plan_version     bigint      NOT NULL,
    anomalies        jsonb       NOT NULL DEFAULT '[]',
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX patients_centre ON patients (centre_id);
CREATE INDEX patients_neurologist ON patients (neurologist_id);

-- The latest plan's obligations, replaced as a whole with each newer plan.
CREATE TABLE obligations (
    patient_ref   text NOT NULL REFERENCES patients (patient_ref) ON DELETE CASCADE,
    obligation_id text NOT NULL,
    rule          text NOT NULL,
    kind          text NOT NULL,
    due_on        date NOT NULL,
    deadline_on   date,
    status        text NOT NULL
        CHECK (status IN ('upcoming', 'due', 'overdue', 'defaulted', 'satisfied', 'cancelled')),
    satisfied_by  text,
    satisfied_on  date,
    PRIMARY KEY (patient_ref, obligation_id)
);
-- The worklist reads open obligations by due date, optionally by status or kind.
CREATE INDEX obligations_open_due ON obligations (due_on, patient_ref)
    WHERE status IN ('upcoming', 'due', 'overdue', 'defaulted');
CREATE INDEX obligations_status_due ON obligations (status, due_on);
CREATE INDEX obligations_kind_due ON obligations (kind, due_on);

-- One row per reminder and channel: the delivery record that makes sending idempotent.
-- No foreign key to patients: a reminder may be claimed before the read model is written.
CREATE TABLE reminders (
    reminder_id   text        NOT NULL,
    channel       text        NOT NULL CHECK (channel IN ('email', 'webhook', 'log')),
    patient_ref   text        NOT NULL,
    obligation_id text        NOT NULL,
    rule          text        NOT NULL,
    kind          text        NOT NULL,
    step          text        NOT NULL,
    due_on        date        NOT NULL,
    scheduled_at  timestamptz NOT NULL,
    escalated     boolean     NOT NULL DEFAULT false,
    recipients    jsonb       NOT NULL,
    message_id    text        NOT NULL,
    status        text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts      integer     NOT NULL DEFAULT 0,
    last_error    text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    sent_at       timestamptz,
    PRIMARY KEY (reminder_id, channel)
);
CREATE INDEX reminders_patient_scheduled ON reminders (patient_ref, scheduled_at);
CREATE INDEX reminders_unsent ON reminders (created_at) WHERE status <> 'sent';

-- The staff directory, loaded from a file (store.directory). No foreign key between the
-- two: each kind may come from its own CSV file, loaded in either order.
CREATE TABLE centres (
    centre_id           text PRIMARY KEY,
    display_name        text NOT NULL,
    coordinator_email   text NOT NULL,
    default_queue_email text NOT NULL,
    webhook_url         text
);

CREATE TABLE neurologists (
    neurologist_id text PRIMARY KEY,
    display_name   text NOT NULL,
    email          text NOT NULL,
    webhook_url    text,
    centre_id      text NOT NULL
);
CREATE INDEX neurologists_centre ON neurologists (centre_id);
