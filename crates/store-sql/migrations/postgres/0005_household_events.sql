-- Change history of each household (变更记录): who, when, what (old → new as JSON) and why.
-- Registration itself is households.created_at; every later change is an event here.
CREATE TABLE household_events (
    id           BIGINT PRIMARY KEY,
    household_id BIGINT NOT NULL REFERENCES households (id),
    at           TEXT NOT NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    changes      TEXT NOT NULL,
    reason       TEXT NOT NULL
);
CREATE INDEX household_events_household ON household_events (household_id, id);
ALTER TABLE persons ADD COLUMN status_date TEXT;
INSERT INTO id_sequences (name, next) VALUES ('household_events', 1);
