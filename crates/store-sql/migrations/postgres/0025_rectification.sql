-- The rectification ledger (整改台账, issue 22): findings about a county, town or village —
-- 问题, 整改措施 and 时限, 责任单位 and 责任人 — followed to 销号; and the weak villages of the
-- programme (经济薄弱村), each with its target and helping team beside the item it opened.
CREATE TABLE rectification_items (
    id          BIGINT PRIMARY KEY,
    division    TEXT NOT NULL,
    source      TEXT NOT NULL,
    title       TEXT NOT NULL,
    found_on    DATE NOT NULL,
    unit        TEXT NOT NULL,
    person      TEXT NOT NULL,
    measures    TEXT NOT NULL,
    deadline    DATE NOT NULL,
    state       TEXT NOT NULL,
    version     BIGINT NOT NULL DEFAULT 0,
    resolved_on DATE,
    resolved_by TEXT,
    closed_on   DATE,
    closed_by   TEXT,
    at          TEXT NOT NULL,
    by_name     TEXT NOT NULL
);
CREATE INDEX rectification_items_division ON rectification_items (division, found_on);
INSERT INTO id_sequences (name, next) VALUES ('rectification_items', 1);

CREATE TABLE rectification_events (
    id          BIGINT PRIMARY KEY,
    item_id     BIGINT NOT NULL REFERENCES rectification_items (id),
    action      TEXT NOT NULL,
    happened_on DATE NOT NULL,
    note        TEXT NOT NULL,
    evidence    TEXT NOT NULL,
    at          TEXT NOT NULL,
    by_name     TEXT NOT NULL
);
CREATE INDEX rectification_events_item ON rectification_events (item_id, id);
INSERT INTO id_sequences (name, next) VALUES ('rectification_events', 1);

CREATE TABLE weak_villages (
    village     TEXT PRIMARY KEY,
    item_id     BIGINT NOT NULL UNIQUE REFERENCES rectification_items (id),
    rank_from   BIGINT NOT NULL,
    rank_to     BIGINT NOT NULL,
    rank_no     BIGINT,
    average_fen BIGINT,
    target_fen  BIGINT NOT NULL,
    unit        TEXT NOT NULL,
    team        TEXT NOT NULL
);
