-- Villages (issue 22): designations of divisions (认定: 重点帮扶县/乡镇/村, 脱贫村, 易地搬迁
-- 安置村, 软弱涣散村, 经济薄弱村 …) with their documents and periods, and the yearly collective
-- accounts of villages (村集体经济收支), in fen.
CREATE TABLE designations (
    id       BIGINT PRIMARY KEY,
    division TEXT NOT NULL,
    kind     TEXT NOT NULL,
    document TEXT NOT NULL,
    from_on  DATE NOT NULL,
    to_on    DATE,
    at       TEXT NOT NULL,
    by_name  TEXT NOT NULL
);
CREATE INDEX designations_division ON designations (division, kind);
INSERT INTO id_sequences (name, next) VALUES ('designations', 1);

CREATE TABLE collective_accounts (
    village             TEXT NOT NULL,
    year                BIGINT NOT NULL,
    business_fen        BIGINT NOT NULL,
    contract_fen        BIGINT NOT NULL,
    investment_fen      BIGINT NOT NULL,
    subsidy_fen         BIGINT NOT NULL,
    other_fen           BIGINT NOT NULL,
    business_cost_fen   BIGINT NOT NULL,
    management_cost_fen BIGINT NOT NULL,
    other_cost_fen      BIGINT NOT NULL,
    profit_fen          BIGINT NOT NULL,
    at                  TEXT NOT NULL,
    by_name             TEXT NOT NULL,
    PRIMARY KEY (village, year)
);
