-- A resident team ends (撤换、期满, issue 22) and another may take over its villages: the
-- team's end and why, and each village's service ending with it. One team serves a village at
-- a time: a partial unique index over the services not ended (was a plain UNIQUE on village).
ALTER TABLE teams ADD COLUMN to_on TEXT;
ALTER TABLE teams ADD COLUMN end_reason TEXT;

CREATE TABLE team_villages_new (
    team_id INTEGER NOT NULL REFERENCES teams (id),
    village TEXT NOT NULL,
    to_on   TEXT,
    PRIMARY KEY (team_id, village)
);
INSERT INTO team_villages_new (team_id, village) SELECT team_id, village FROM team_villages;
DROP TABLE team_villages;
ALTER TABLE team_villages_new RENAME TO team_villages;
CREATE UNIQUE INDEX team_villages_serving ON team_villages (village) WHERE to_on IS NULL;
CREATE INDEX team_villages_village ON team_villages (village);
