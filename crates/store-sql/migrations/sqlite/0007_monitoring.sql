-- The monitoring lifecycle (防止返贫动态监测): cases, their history and attachments, and
-- the leads that open them. The state machine is in the domain crate; these tables keep
-- its outcomes. Dates are ISO text; `village` is the 12-digit code the scope filters on.
CREATE TABLE monitoring_cases (
    id                 INTEGER PRIMARY KEY,
    household_id       INTEGER NOT NULL REFERENCES households (id),
    village            TEXT NOT NULL,
    state              TEXT NOT NULL,
    version            INTEGER NOT NULL,
    discovered_on      TEXT NOT NULL,
    opened_on          TEXT NOT NULL,
    identification_due TEXT NOT NULL,
    step_since         TEXT NOT NULL,
    due_on             TEXT,
    paused_on          TEXT,
    notice_from        TEXT,
    notice_until       TEXT,
    category           TEXT,
    -- risk type codes, comma-separated, at most the pack's maximum
    risk_types         TEXT NOT NULL,
    green_channel_on   TEXT,
    approved_on        TEXT,
    elimination_mode   TEXT,
    eliminated_on      TEXT,
    closed_reason      TEXT,
    cadre_due          TEXT,
    plan_due           TEXT
);
-- One open case per household: a new lead joins it; a closed one leaves room for the next.
CREATE UNIQUE INDEX monitoring_cases_open ON monitoring_cases (household_id)
    WHERE state NOT IN ('not_included', 'eliminated');
CREATE INDEX monitoring_cases_village ON monitoring_cases (village, state);

CREATE TABLE case_events (
    case_id    INTEGER NOT NULL REFERENCES monitoring_cases (id),
    seq        INTEGER NOT NULL,
    action     TEXT NOT NULL,
    from_state TEXT,
    to_state   TEXT NOT NULL,
    on_date    TEXT NOT NULL,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    comment    TEXT NOT NULL,
    due_on     TEXT,
    -- [[label, value], …] and [flag, …] as JSON
    details    TEXT NOT NULL,
    flags      TEXT NOT NULL,
    PRIMARY KEY (case_id, seq)
);

CREATE TABLE monitoring_leads (
    id               INTEGER PRIMARY KEY,
    village          TEXT NOT NULL,
    household_id     INTEGER REFERENCES households (id),
    channel          TEXT NOT NULL,
    source           TEXT NOT NULL,
    reason           TEXT NOT NULL,
    evidence         TEXT NOT NULL,
    hardships        TEXT NOT NULL,
    received_on      TEXT NOT NULL,
    received_at      TEXT NOT NULL,
    applicant_name   TEXT,
    applicant_id_enc BLOB,
    applicant_id_bidx BLOB,
    applicant_phone_enc BLOB,
    tracking_code    TEXT UNIQUE,
    status           TEXT NOT NULL,
    case_id          INTEGER REFERENCES monitoring_cases (id),
    decided_on       TEXT,
    decision_note    TEXT,
    created_by       TEXT NOT NULL
);
CREATE INDEX monitoring_leads_village ON monitoring_leads (village, status);
CREATE INDEX monitoring_leads_case ON monitoring_leads (case_id);

CREATE TABLE case_attachments (
    id           INTEGER PRIMARY KEY,
    case_id      INTEGER NOT NULL REFERENCES monitoring_cases (id),
    kind         TEXT NOT NULL,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    -- SM4-GCM sealed, like every field with personal data
    body_enc     BLOB NOT NULL,
    uploaded_at  TEXT NOT NULL,
    uploaded_by  TEXT NOT NULL
);
CREATE INDEX case_attachments_case ON case_attachments (case_id);

INSERT INTO id_sequences (name, next) VALUES ('monitoring_cases', 1), ('monitoring_leads', 1),
    ('case_attachments', 1);
