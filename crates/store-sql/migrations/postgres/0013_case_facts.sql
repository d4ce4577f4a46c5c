-- What a dashboard counts for every case of a county, read from the case rows alone: the
-- case keeps its household's code (a code never changes) and its household's living members
-- (在户人数), kept by triggers whenever a person is added, removed, moves between households or
-- changes status. At a million households the county's ~50,000 case facts read ~3,000 pages
-- instead of the household and person pages of every case.
ALTER TABLE monitoring_cases ADD COLUMN household_code TEXT NOT NULL DEFAULT '';
ALTER TABLE monitoring_cases ADD COLUMN people BIGINT NOT NULL DEFAULT 0;
UPDATE monitoring_cases c SET
    household_code = (SELECT h.code FROM households h WHERE h.id = c.household_id),
    people = (SELECT COUNT(*) FROM persons p
               WHERE p.household_id = c.household_id AND p.status = 'in_household');
CREATE INDEX monitoring_cases_household ON monitoring_cases (household_id);

CREATE FUNCTION monitoring_cases_people() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.people := (SELECT COUNT(*) FROM persons p
        WHERE p.household_id = NEW.household_id AND p.status = 'in_household');
    RETURN NEW;
END $$;
CREATE TRIGGER monitoring_cases_people BEFORE INSERT ON monitoring_cases
    FOR EACH ROW EXECUTE FUNCTION monitoring_cases_people();

-- Persons arrive a thousand to a statement on import: one recount per statement.
CREATE FUNCTION persons_people_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE monitoring_cases c SET people = (SELECT COUNT(*) FROM persons p
        WHERE p.household_id = c.household_id AND p.status = 'in_household')
     WHERE c.household_id IN (SELECT household_id FROM added);
    RETURN NULL;
END $$;
CREATE TRIGGER persons_people_added AFTER INSERT ON persons
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION persons_people_added();

CREATE FUNCTION persons_people_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE monitoring_cases c SET people = (SELECT COUNT(*) FROM persons p
            WHERE p.household_id = c.household_id AND p.status = 'in_household')
         WHERE c.household_id = OLD.household_id;
    ELSE
        UPDATE monitoring_cases c SET people = (SELECT COUNT(*) FROM persons p
            WHERE p.household_id = c.household_id AND p.status = 'in_household')
         WHERE c.household_id IN (OLD.household_id, NEW.household_id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER persons_people_changed AFTER UPDATE OF status, household_id OR DELETE ON persons
    FOR EACH ROW EXECUTE FUNCTION persons_people_changed();

-- A problem keeps its household's code too: the ledger is read whole for every count.
ALTER TABLE assurance_problems ADD COLUMN household_code TEXT NOT NULL DEFAULT '';
UPDATE assurance_problems SET household_code =
    (SELECT h.code FROM households h WHERE h.id = assurance_problems.household_id);

-- A month's steps and whether they were on time (月通报, 办理时效) are found by their date.
CREATE INDEX case_events_on ON case_events (on_date);

-- Counting living members elsewhere (household lists, screening) reads this index alone.
CREATE INDEX persons_household_status ON persons (household_id, status);
DROP INDEX persons_household;
