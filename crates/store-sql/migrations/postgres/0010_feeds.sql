-- Department feeds (部门数据): one row per delivery of a department's file for a month and an
-- area; a re-delivery of the same department, month and area replaces the one before
-- (`current` = 0 on the old). Rows keep the matched person, or none when the ID number is not
-- in the registry; the ID number itself is not stored.
CREATE TABLE feed_deliveries (
    id           BIGINT PRIMARY KEY,
    department   TEXT NOT NULL,
    period       TEXT NOT NULL,
    area         TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    digest       TEXT NOT NULL,
    rows_read    BIGINT NOT NULL,
    accepted     BIGINT NOT NULL,
    rejected     BIGINT NOT NULL,
    unmatched    BIGINT NOT NULL,
    current      BOOLEAN NOT NULL,
    delivered_by TEXT NOT NULL,
    delivered_at TEXT NOT NULL
);
CREATE INDEX feed_deliveries_current ON feed_deliveries (area, department, period, current);

CREATE TABLE feed_rows (
    delivery_id  BIGINT NOT NULL REFERENCES feed_deliveries (id),
    row_no       BIGINT NOT NULL,
    person_id    BIGINT REFERENCES persons (id),
    household_id BIGINT REFERENCES households (id),
    on_date      DATE NOT NULL,
    amount_fen   BIGINT NOT NULL,
    amount2_fen  BIGINT NOT NULL,
    detail       TEXT NOT NULL,
    PRIMARY KEY (delivery_id, row_no)
);
INSERT INTO id_sequences (name, next) VALUES ('feed_deliveries', 1);
