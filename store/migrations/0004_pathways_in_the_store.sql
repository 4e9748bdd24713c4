-- The event store is the system of record: it alone decides which events a patient has
-- and whether the pathway has ended. A workflow run is a projection of it, with timers.

-- One row per patient with stored events. Appending takes this row's lock, so one patient's
-- events are stored (and numbered) one request after another: `stored_seq` only grows, and
-- the rule "once ended, only the retraction of the end is taken" holds across requests.
CREATE TABLE pathways (
    patient_ref    text        PRIMARY KEY,
    stored_seq     bigint      NOT NULL DEFAULT 0,
    -- events.seq of the patient's latest stored event
    events         integer     NOT NULL DEFAULT 0,
    ended_by       text,
    -- event_id of the follow_up_ended in force (no stored retraction names it); NULL: open
    settled_seq    bigint      NOT NULL DEFAULT 0,
    -- the position the patient's run last settled (read the store and published the plan) at
    settled_run_id text,
    settled_at     timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
-- The outbox: patients whose stored events no run has taken yet.
CREATE INDEX pathways_unsettled ON pathways (updated_at) WHERE settled_seq < stored_seq;

-- Stores filled before: one row per patient, the end in force being the latest
-- follow_up_ended that no stored retraction names. Nothing counts as settled (the next
-- reconcile syncs every pathway once).
INSERT INTO pathways (patient_ref, stored_seq, events, ended_by)
SELECT e.patient_ref, max(e.seq), count(*),
       (SELECT f.event_id FROM events AS f
        WHERE f.patient_ref = e.patient_ref AND f.type = 'follow_up_ended'
          AND NOT EXISTS (SELECT 1 FROM events AS r
                          WHERE r.patient_ref = f.patient_ref AND r.type = 'event_retracted'
                            AND r.payload ->> 'retracted_event_id' = f.event_id)
        ORDER BY f.seq DESC LIMIT 1)
FROM events AS e
GROUP BY e.patient_ref;

-- Claims are gone: event_id is unique in `events`, which is the one authority on event ids.
DROP TABLE event_claims;

-- The read model's version is now the store position the plan was computed from.
UPDATE patients SET plan_version = 0;

-- `waiting`: no recipient address is known yet; the reminder stays pending and visible.
ALTER TABLE reminders DROP CONSTRAINT reminders_status_check;
ALTER TABLE reminders ADD CONSTRAINT reminders_status_check
    CHECK (status IN ('pending', 'sent', 'waiting', 'failed'));
-- A settle reads what was delivered for the patient's open obligations.
CREATE INDEX reminders_patient_obligation ON reminders (patient_ref, obligation_id);
