-- Assistance (帮扶): when a case first got its 帮扶责任人 and its plan, and the measures of
-- its 一户一策 plan. Amounts are fen.
ALTER TABLE monitoring_cases ADD COLUMN cadre_on TEXT;
ALTER TABLE monitoring_cases ADD COLUMN plan_on TEXT;

CREATE TABLE assistance_measures (
    id         INTEGER PRIMARY KEY,
    case_id    INTEGER NOT NULL REFERENCES monitoring_cases (id),
    type_code  TEXT NOT NULL,
    content    TEXT NOT NULL,
    unit       TEXT NOT NULL,
    start_on   TEXT NOT NULL,
    end_on     TEXT,
    amount     INTEGER NOT NULL,
    status     TEXT NOT NULL,
    effect     TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE INDEX assistance_measures_case ON assistance_measures (case_id);
INSERT INTO id_sequences (name, next) VALUES ('assistance_measures', 1);
