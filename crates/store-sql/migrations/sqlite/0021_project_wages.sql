-- 以工代赈 labour pay (issue 21): wages paid to the workers of a project, each linked to the
-- registered person (and household) when the ID number given is in the registry; the ID
-- number itself is not kept here.
CREATE TABLE project_wages (
    id           INTEGER PRIMARY KEY,
    project_id   INTEGER NOT NULL REFERENCES projects (id),
    name         TEXT NOT NULL,
    person_id    INTEGER REFERENCES persons (id),
    household_id INTEGER REFERENCES households (id),
    month        TEXT NOT NULL,
    amount_fen   INTEGER NOT NULL,
    paid_on      TEXT NOT NULL,
    at           TEXT NOT NULL,
    by_name      TEXT NOT NULL
);
CREATE INDEX project_wages_project ON project_wages (project_id);
CREATE INDEX project_wages_household ON project_wages (household_id);
INSERT INTO id_sequences (name, next) VALUES ('project_wages', 1);
