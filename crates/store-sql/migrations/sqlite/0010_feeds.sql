-- Department feeds (部门数据): one row per delivery of a department's file for a month and an
-- area; a re-delivery of the same department, month and area replaces the one before
-- (`current` = 0 on the old). Rows keep the matched person, or none when the ID number is not
-- in the registry; the ID number itself is not stored.
CREATE TABLE feed_deliveries (
    id           INTEGER PRIMARY KEY,
    department   TEXT NOT NULL,
    period       TEXT NOT NULL,
    area         TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    digest       TEXT NOT NULL,
    rows_read    INTEGER NOT NULL,
    accepted     INTEGER NOT NULL,
    rejected     INTEGER NOT NULL,
    unmatched    INTEGER NOT NULL,
    current      INTEGER NOT NULL,
    delivered_by TEXT NOT NULL,
    delivered_at TEXT NOT NULL
);
CREATE INDEX feed_deliveries_current ON feed_deliveries (area, department, period, current);

CREATE TABLE feed_rows (
    delivery_id  INTEGER NOT NULL REFERENCES feed_deliveries (id),
    row_no       INTEGER NOT NULL,
    person_id    INTEGER REFERENCES persons (id),
    household_id INTEGER REFERENCES households (id),
    on_date      TEXT NOT NULL,
    amount_fen   INTEGER NOT NULL,
    amount2_fen  INTEGER NOT NULL,
    detail       TEXT NOT NULL,
    PRIMARY KEY (delivery_id, row_no)
);
INSERT INTO id_sequences (name, next) VALUES ('feed_deliveries', 1);
