-- The 三保障 and drinking-water problem ledger (问题台账, 动态清零): a problem of a household,
-- its responsible department and deadline, and the steps that resolve and strike it off
-- (销号), with evidence files sealed like other attachments.
CREATE TABLE assurance_problems (
    id           INTEGER PRIMARY KEY,
    household_id INTEGER NOT NULL REFERENCES households (id),
    village      TEXT NOT NULL,
    kind         TEXT NOT NULL,
    source       TEXT NOT NULL,
    description  TEXT NOT NULL,
    found_on     TEXT NOT NULL,
    found_by     TEXT NOT NULL,
    department   TEXT NOT NULL,
    deadline     TEXT NOT NULL,
    state        TEXT NOT NULL,
    resolution   TEXT,
    resolved_on  TEXT,
    resolved_by  TEXT,
    closed_on    TEXT,
    closed_by    TEXT,
    version      INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL
);
CREATE INDEX assurance_problems_village ON assurance_problems (village, found_on);
CREATE INDEX assurance_problems_household ON assurance_problems (household_id);

CREATE TABLE problem_events (
    id          INTEGER PRIMARY KEY,
    problem_id  INTEGER NOT NULL REFERENCES assurance_problems (id),
    action      TEXT NOT NULL,
    happened_on TEXT NOT NULL,
    note        TEXT NOT NULL,
    at          TEXT NOT NULL,
    by_name     TEXT NOT NULL
);
CREATE INDEX problem_events_problem ON problem_events (problem_id);

CREATE TABLE problem_files (
    id           INTEGER PRIMARY KEY,
    problem_id   INTEGER NOT NULL REFERENCES assurance_problems (id),
    event_id     INTEGER NOT NULL REFERENCES problem_events (id),
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    body_enc     BLOB NOT NULL
);
CREATE INDEX problem_files_problem ON problem_files (problem_id);
INSERT INTO id_sequences (name, next)
VALUES ('assurance_problems', 1), ('problem_events', 1), ('problem_files', 1);
