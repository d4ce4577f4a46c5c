-- A weak village's helping team chosen from the resident teams (驻村工作队, issue 22; seed 002
-- 二(二): units send 驻村工作队 to the weak villages): the team's id beside the name and unit
-- copied from it. Null for plans whose team was typed by name (no team recorded).
ALTER TABLE weak_villages ADD COLUMN team_id BIGINT REFERENCES teams (id);
