-- Event ids taken by the HTTP API before it sends events to a pathway. The event store
-- alone cannot refuse an event_id reused for another patient in time: a pathway appends
-- its events a moment after it accepts them, so two requests close together would both
-- pass a look at the store, and the second pathway's append would then fail for ever.
-- A claim is made in the request, in one transaction, before anything is sent.
CREATE TABLE event_claims (
    event_id       text        PRIMARY KEY,
    patient_ref    text        NOT NULL,
    payload_sha256 text        NOT NULL,
    claimed_at     timestamptz NOT NULL DEFAULT now()
);
