-- Screening runs (部门筛查) and the warnings they raised. A warning (household, rule) becomes
-- one lead; seen again within a year it updates its alert instead of making a second lead.
CREATE TABLE screening_runs (
    id          INTEGER PRIMARY KEY,
    area        TEXT NOT NULL,
    as_of       TEXT NOT NULL,
    households  INTEGER NOT NULL,
    warnings    INTEGER NOT NULL,
    new_leads   INTEGER NOT NULL,
    attached    INTEGER NOT NULL,
    repeated    INTEGER NOT NULL,
    -- ids of the deliveries used, separated by commas
    deliveries  TEXT NOT NULL,
    started_by  TEXT NOT NULL,
    finished_at TEXT NOT NULL
);
CREATE INDEX screening_runs_area ON screening_runs (area, as_of);

CREATE TABLE screening_alerts (
    id           INTEGER PRIMARY KEY,
    household_id INTEGER NOT NULL REFERENCES households (id),
    village      TEXT NOT NULL,
    rule_code    TEXT NOT NULL,
    rule_name    TEXT NOT NULL,
    department   TEXT NOT NULL,
    explanation  TEXT NOT NULL,
    lead_id      INTEGER NOT NULL REFERENCES monitoring_leads (id),
    first_run    INTEGER NOT NULL REFERENCES screening_runs (id),
    last_run     INTEGER NOT NULL REFERENCES screening_runs (id),
    first_seen   TEXT NOT NULL,
    last_seen    TEXT NOT NULL
);
CREATE INDEX screening_alerts_key ON screening_alerts (household_id, rule_code, last_seen);
CREATE INDEX screening_alerts_village ON screening_alerts (village, first_seen);
INSERT INTO id_sequences (name, next) VALUES ('screening_runs', 1), ('screening_alerts', 1);
