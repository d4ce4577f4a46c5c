-- Funds and the project library (issue 21): projects proposed by a village or town, reviewed
-- and approved into the library with their notices, their 绩效目标 and the households they
-- benefit (联农带农); fund documents, their split to library projects (资金计划) and the money
-- paid out or returned against each line.
CREATE TABLE projects (
    id           BIGINT PRIMARY KEY,
    county       TEXT NOT NULL,
    division     TEXT NOT NULL,
    name         TEXT NOT NULL,
    type_code    TEXT NOT NULL,
    nature       TEXT NOT NULL,
    planned_year BIGINT NOT NULL,
    start_on     DATE NOT NULL,
    end_on       DATE NOT NULL,
    unit         TEXT NOT NULL,
    tasks        TEXT NOT NULL,
    budget_fen   BIGINT NOT NULL,
    sources      TEXT NOT NULL,
    mechanism    TEXT NOT NULL,
    stage        TEXT NOT NULL,
    stage_on     DATE NOT NULL,
    version      BIGINT NOT NULL,
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL
);
CREATE INDEX projects_division ON projects (division, planned_year);

CREATE TABLE project_targets (
    project_id BIGINT NOT NULL REFERENCES projects (id),
    ord        BIGINT NOT NULL,
    kind       TEXT NOT NULL,
    name       TEXT NOT NULL,
    value      TEXT NOT NULL,
    PRIMARY KEY (project_id, ord)
);

CREATE TABLE project_beneficiaries (
    project_id   BIGINT NOT NULL REFERENCES projects (id),
    household_id BIGINT NOT NULL REFERENCES households (id),
    mechanism    TEXT NOT NULL,
    PRIMARY KEY (project_id, household_id)
);
CREATE INDEX project_beneficiaries_household ON project_beneficiaries (household_id);

CREATE TABLE project_events (
    id           BIGINT PRIMARY KEY,
    project_id   BIGINT NOT NULL REFERENCES projects (id),
    action       TEXT NOT NULL,
    happened_on  DATE NOT NULL,
    note         TEXT NOT NULL,
    document     TEXT NOT NULL,
    notice_place TEXT,
    notice_from  DATE,
    notice_to    DATE,
    at           TEXT NOT NULL,
    by_name      TEXT NOT NULL
);
CREATE INDEX project_events_project ON project_events (project_id);

CREATE TABLE funds (
    id          BIGINT PRIMARY KEY,
    county      TEXT NOT NULL,
    doc_number  TEXT NOT NULL,
    title       TEXT NOT NULL,
    level       TEXT NOT NULL,
    year        BIGINT NOT NULL,
    category    TEXT NOT NULL,
    amount_fen  BIGINT NOT NULL,
    direct      BOOLEAN NOT NULL,
    received_on DATE NOT NULL,
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    UNIQUE (county, doc_number)
);
CREATE INDEX funds_year ON funds (county, year);

CREATE TABLE fund_lines (
    id         BIGINT PRIMARY KEY,
    fund_id    BIGINT NOT NULL REFERENCES funds (id),
    project_id BIGINT NOT NULL REFERENCES projects (id),
    amount_fen BIGINT NOT NULL,
    planned_on DATE NOT NULL,
    at         TEXT NOT NULL,
    by_name    TEXT NOT NULL
);
CREATE INDEX fund_lines_fund ON fund_lines (fund_id);
CREATE INDEX fund_lines_project ON fund_lines (project_id);

CREATE TABLE fund_payments (
    id          BIGINT PRIMARY KEY,
    line_id     BIGINT NOT NULL REFERENCES fund_lines (id),
    kind        TEXT NOT NULL,
    amount_fen  BIGINT NOT NULL,
    happened_on DATE NOT NULL,
    voucher     TEXT NOT NULL,
    note        TEXT NOT NULL,
    at          TEXT NOT NULL,
    by_name     TEXT NOT NULL
);
CREATE INDEX fund_payments_line ON fund_payments (line_id);
INSERT INTO id_sequences (name, next)
VALUES ('projects', 1), ('project_events', 1), ('funds', 1), ('fund_lines', 1), ('fund_payments', 1);
