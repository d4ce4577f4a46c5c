-- A resident team ends (撤换、期满, issue 22) and another may take over its villages: the
-- team's end and why, and each village's service ending with it. One team serves a village at
-- a time: a partial unique index over the services not ended (was a plain UNIQUE on village).
ALTER TABLE teams ADD COLUMN to_on DATE, ADD COLUMN end_reason TEXT;
ALTER TABLE team_villages ADD COLUMN to_on DATE;
ALTER TABLE team_villages DROP CONSTRAINT team_villages_village_key;
CREATE UNIQUE INDEX team_villages_serving ON team_villages (village) WHERE to_on IS NULL;
CREATE INDEX team_villages_village ON team_villages (village);
