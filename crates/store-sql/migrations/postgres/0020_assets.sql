-- Project assets (issue 21): what finished projects leave, with owner (确权), custody and
-- operation; the income of operating assets, its distribution plans (村提方案、乡镇审批、县级
-- 备案) with their lines and steps; disposals and write-offs.
CREATE TABLE assets (
    id               BIGINT PRIMARY KEY,
    project_id       BIGINT NOT NULL REFERENCES projects (id),
    division         TEXT NOT NULL,
    name             TEXT NOT NULL,
    class            TEXT NOT NULL,
    owner_kind       TEXT NOT NULL,
    owner_name       TEXT NOT NULL,
    owner_household  BIGINT REFERENCES households (id),
    value_fen        BIGINT NOT NULL,
    location         TEXT NOT NULL,
    formed_on        DATE NOT NULL,
    confirmed_on     DATE,
    confirm_document TEXT NOT NULL,
    custody_unit     TEXT NOT NULL,
    custody_person   TEXT NOT NULL,
    custody_duties   TEXT NOT NULL,
    operation        TEXT,
    operator         TEXT NOT NULL,
    state            TEXT NOT NULL,
    version          BIGINT NOT NULL,
    created_at       TEXT NOT NULL,
    created_by       TEXT NOT NULL
);
CREATE INDEX assets_division ON assets (division);
CREATE INDEX assets_project ON assets (project_id);
CREATE INDEX assets_household ON assets (owner_household);

CREATE TABLE asset_incomes (
    id          BIGINT PRIMARY KEY,
    asset_id    BIGINT NOT NULL REFERENCES assets (id),
    year        BIGINT NOT NULL,
    kind        TEXT NOT NULL,
    amount_fen  BIGINT NOT NULL,
    received_on DATE NOT NULL,
    note        TEXT NOT NULL,
    at          TEXT NOT NULL,
    by_name     TEXT NOT NULL
);
CREATE INDEX asset_incomes_asset ON asset_incomes (asset_id, year);

CREATE TABLE asset_plans (
    id           BIGINT PRIMARY KEY,
    asset_id     BIGINT NOT NULL REFERENCES assets (id),
    year         BIGINT NOT NULL,
    state        TEXT NOT NULL,
    total_fen    BIGINT NOT NULL,
    notice_place TEXT NOT NULL,
    notice_from  DATE NOT NULL,
    notice_to    DATE NOT NULL,
    proposed_on  DATE NOT NULL,
    stage_on     DATE NOT NULL,
    version      BIGINT NOT NULL
);
CREATE INDEX asset_plans_asset ON asset_plans (asset_id, year);

CREATE TABLE asset_plan_lines (
    plan_id      BIGINT NOT NULL REFERENCES asset_plans (id),
    ord          BIGINT NOT NULL,
    household_id BIGINT REFERENCES households (id),
    use_code     TEXT NOT NULL,
    amount_fen   BIGINT NOT NULL,
    note         TEXT NOT NULL,
    PRIMARY KEY (plan_id, ord)
);
CREATE INDEX asset_plan_lines_household ON asset_plan_lines (household_id);

CREATE TABLE asset_plan_steps (
    id          BIGINT PRIMARY KEY,
    plan_id     BIGINT NOT NULL REFERENCES asset_plans (id),
    action      TEXT NOT NULL,
    happened_on DATE NOT NULL,
    note        TEXT NOT NULL,
    at          TEXT NOT NULL,
    by_name     TEXT NOT NULL
);
CREATE INDEX asset_plan_steps_plan ON asset_plan_steps (plan_id);

CREATE TABLE asset_endings (
    asset_id     BIGINT PRIMARY KEY REFERENCES assets (id),
    kind         TEXT NOT NULL,
    method       TEXT,
    path         TEXT,
    value_fen    BIGINT,
    proceeds_fen BIGINT,
    proceeds_use TEXT,
    decision     TEXT,
    notice_place TEXT,
    notice_from  DATE,
    notice_to    DATE,
    reason       TEXT,
    assessment   TEXT,
    happened_on  DATE NOT NULL,
    at           TEXT NOT NULL,
    by_name      TEXT NOT NULL
);
INSERT INTO id_sequences (name, next)
VALUES ('assets', 1), ('asset_incomes', 1), ('asset_plans', 1), ('asset_plan_steps', 1);
