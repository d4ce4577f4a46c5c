-- Visits (走访) to households: who went, what was found, what follows, with photos sealed
-- like other attachments. A visit may belong to a monitoring case or not (a 脱贫户's visit).
CREATE TABLE visits (
    id           INTEGER PRIMARY KEY,
    household_id INTEGER NOT NULL REFERENCES households (id),
    case_id      INTEGER REFERENCES monitoring_cases (id),
    village      TEXT NOT NULL,
    visited_on   TEXT NOT NULL,
    -- names, separated by 、
    visitors     TEXT NOT NULL,
    findings     TEXT NOT NULL,
    follow_ups   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL
);
CREATE INDEX visits_household ON visits (household_id, visited_on);
CREATE INDEX visits_village ON visits (village, visited_on);

CREATE TABLE visit_photos (
    id           INTEGER PRIMARY KEY,
    visit_id     INTEGER NOT NULL REFERENCES visits (id),
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    body_enc     BLOB NOT NULL
);
CREATE INDEX visit_photos_visit ON visit_photos (visit_id);
INSERT INTO id_sequences (name, next) VALUES ('visits', 1), ('visit_photos', 1);
