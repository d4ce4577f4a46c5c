-- Project assets (issue 21): what finished projects leave, with owner (确权), custody and
-- operation; the income of operating assets, its distribution plans (村提方案、乡镇审批、县级
-- 备案) with their lines and steps; disposals and write-offs.
CREATE TABLE assets (
    id               INTEGER PRIMARY KEY,
    project_id       INTEGER NOT NULL REFERENCES projects (id),
    division         TEXT NOT NULL,
    name             TEXT NOT NULL,
    class            TEXT NOT NULL,
    owner_kind       TEXT NOT NULL,
    owner_name       TEXT NOT NULL,
    owner_household  INTEGER REFERENCES households (id),
    value_fen        INTEGER NOT NULL,
    location         TEXT NOT NULL,
    formed_on        TEXT NOT NULL,
    confirmed_on     TEXT,
    confirm_document TEXT NOT NULL,
    custody_unit     TEXT NOT NULL,
    custody_person   TEXT NOT NULL,
    custody_duties   TEXT NOT NULL,
    operation        TEXT,
    operator         TEXT NOT NULL,
    state            TEXT NOT NULL,
    version          INTEGER NOT NULL,
    created_at       TEXT NOT NULL,
    created_by       TEXT NOT NULL
);
CREATE INDEX assets_division ON assets (division);
CREATE INDEX assets_project ON assets (project_id);
CREATE INDEX assets_household ON assets (owner_household);

CREATE TABLE asset_incomes (
    id          INTEGER PRIMARY KEY,
    asset_id    INTEGER NOT NULL REFERENCES assets (id),
    year        INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    amount_fen  INTEGER NOT NULL,
    received_on TEXT NOT NULL,
    note        TEXT NOT NULL,
    at          TEXT NOT NULL,
    by_name     TEXT NOT NULL
);
CREATE INDEX asset_incomes_asset ON asset_incomes (asset_id, year);

CREATE TABLE asset_plans (
    id           INTEGER PRIMARY KEY,
    asset_id     INTEGER NOT NULL REFERENCES assets (id),
    year         INTEGER NOT NULL,
    state        TEXT NOT NULL,
    total_fen    INTEGER NOT NULL,
    notice_place TEXT NOT NULL,
    notice_from  TEXT NOT NULL,
    notice_to    TEXT NOT NULL,
    proposed_on  TEXT NOT NULL,
    stage_on     TEXT NOT NULL,
    version      INTEGER NOT NULL
);
CREATE INDEX asset_plans_asset ON asset_plans (asset_id, year);

CREATE TABLE asset_plan_lines (
    plan_id      INTEGER NOT NULL REFERENCES asset_plans (id),
    ord          INTEGER NOT NULL,
    household_id INTEGER REFERENCES households (id),
    use_code     TEXT NOT NULL,
    amount_fen   INTEGER NOT NULL,
    note         TEXT NOT NULL,
    PRIMARY KEY (plan_id, ord)
);
CREATE INDEX asset_plan_lines_household ON asset_plan_lines (household_id);

CREATE TABLE asset_plan_steps (
    id          INTEGER PRIMARY KEY,
    plan_id     INTEGER NOT NULL REFERENCES asset_plans (id),
    action      TEXT NOT NULL,
    happened_on TEXT NOT NULL,
    note        TEXT NOT NULL,
    at          TEXT NOT NULL,
    by_name     TEXT NOT NULL
);
CREATE INDEX asset_plan_steps_plan ON asset_plan_steps (plan_id);

CREATE TABLE asset_endings (
    asset_id     INTEGER PRIMARY KEY REFERENCES assets (id),
    kind         TEXT NOT NULL,
    method       TEXT,
    path         TEXT,
    value_fen    INTEGER,
    proceeds_fen INTEGER,
    proceeds_use TEXT,
    decision     TEXT,
    notice_place TEXT,
    notice_from  TEXT,
    notice_to    TEXT,
    reason       TEXT,
    assessment   TEXT,
    happened_on  TEXT NOT NULL,
    at           TEXT NOT NULL,
    by_name      TEXT NOT NULL
);
INSERT INTO id_sequences (name, next)
VALUES ('assets', 1), ('asset_incomes', 1), ('asset_plans', 1), ('asset_plan_steps', 1);
