-- Resident teams (驻村工作队, issue 22): teams formed by the county, the villages each serves
-- (one team at a time per village), members with their terms (ID number sealed, blind-indexed
-- to find the same person in two teams, shown masked), and day records (工作纪实) by member.
CREATE TABLE teams (
    id      INTEGER PRIMARY KEY,
    county  TEXT NOT NULL,
    name    TEXT NOT NULL,
    unit    TEXT NOT NULL,
    from_on TEXT NOT NULL,
    at      TEXT NOT NULL,
    by_name TEXT NOT NULL
);
CREATE INDEX teams_county ON teams (county);
INSERT INTO id_sequences (name, next) VALUES ('teams', 1);

CREATE TABLE team_villages (
    team_id INTEGER NOT NULL REFERENCES teams (id),
    village TEXT NOT NULL UNIQUE,
    PRIMARY KEY (team_id, village)
);

CREATE TABLE team_members (
    id             INTEGER PRIMARY KEY,
    team_id        INTEGER NOT NULL REFERENCES teams (id),
    name           TEXT NOT NULL,
    id_number_enc  BLOB NOT NULL,
    id_number_bidx BLOB NOT NULL,
    id_masked      TEXT NOT NULL,
    unit           TEXT NOT NULL,
    position       TEXT NOT NULL,
    role           TEXT NOT NULL,
    from_on        TEXT NOT NULL,
    to_on          TEXT,
    end_reason     TEXT,
    at             TEXT NOT NULL,
    by_name        TEXT NOT NULL
);
CREATE INDEX team_members_team ON team_members (team_id);
CREATE INDEX team_members_bidx ON team_members (id_number_bidx);
INSERT INTO id_sequences (name, next) VALUES ('team_members', 1);

CREATE TABLE team_days (
    id        INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES team_members (id),
    from_on   TEXT NOT NULL,
    to_on     TEXT NOT NULL,
    kind      TEXT NOT NULL,
    approver  TEXT,
    approval  TEXT NOT NULL,
    note      TEXT NOT NULL,
    at        TEXT NOT NULL,
    by_name   TEXT NOT NULL
);
CREATE INDEX team_days_member ON team_days (member_id, from_on);
INSERT INTO id_sequences (name, next) VALUES ('team_days', 1);
