-- Cadres around villages (issue 22): 包片/包村 pairings with their periods and successors,
-- the ended periods of 帮扶责任人 with households (the current ones stay in cadre_assignments,
-- which every scoped read uses), 五级书记遍访 records, and monitoring information officers.
CREATE TABLE pairings (
    id           BIGINT PRIMARY KEY,
    level        TEXT NOT NULL,
    division     TEXT NOT NULL,
    person       TEXT NOT NULL,
    post         TEXT NOT NULL,
    unit         TEXT NOT NULL,
    from_on      DATE NOT NULL,
    to_on        DATE,
    end_reason   TEXT,
    successor_id BIGINT REFERENCES pairings (id),
    at           TEXT NOT NULL,
    by_name      TEXT NOT NULL
);
CREATE INDEX pairings_division ON pairings (division);
INSERT INTO id_sequences (name, next) VALUES ('pairings', 1);

CREATE TABLE cadre_periods (
    id           BIGINT PRIMARY KEY,
    household_id BIGINT NOT NULL REFERENCES households (id),
    user_id      BIGINT NOT NULL REFERENCES users (id),
    from_on      DATE NOT NULL,
    to_on        DATE NOT NULL,
    reason       TEXT NOT NULL,
    successor_id BIGINT REFERENCES users (id),
    at           TEXT NOT NULL,
    by_name      TEXT NOT NULL
);
CREATE INDEX cadre_periods_household ON cadre_periods (household_id);
CREATE INDEX cadre_periods_user ON cadre_periods (user_id);
INSERT INTO id_sequences (name, next) VALUES ('cadre_periods', 1);

CREATE TABLE tours (
    id           BIGINT PRIMARY KEY,
    level        TEXT NOT NULL,
    of_division  TEXT NOT NULL,
    visitor      TEXT NOT NULL,
    visited_on   DATE NOT NULL,
    target_kind  TEXT NOT NULL,
    target_code  TEXT NOT NULL,
    target_area  TEXT NOT NULL,
    note         TEXT NOT NULL,
    at           TEXT NOT NULL,
    by_name      TEXT NOT NULL
);
CREATE INDEX tours_of ON tours (of_division, visited_on);
CREATE INDEX tours_area ON tours (target_area, visited_on);
INSERT INTO id_sequences (name, next) VALUES ('tours', 1);

CREATE TABLE info_officers (
    id         BIGINT PRIMARY KEY,
    division   TEXT NOT NULL,
    name       TEXT NOT NULL,
    phone      TEXT NOT NULL,
    kind       TEXT NOT NULL,
    from_on    DATE NOT NULL,
    to_on      DATE,
    end_reason TEXT,
    at         TEXT NOT NULL,
    by_name    TEXT NOT NULL
);
CREATE INDEX info_officers_division ON info_officers (division);
INSERT INTO id_sequences (name, next) VALUES ('info_officers', 1);
