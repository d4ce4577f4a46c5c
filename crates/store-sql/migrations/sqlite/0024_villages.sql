-- Villages (issue 22): designations of divisions (认定: 重点帮扶县/乡镇/村, 脱贫村, 易地搬迁
-- 安置村, 软弱涣散村, 经济薄弱村 …) with their documents and periods, and the yearly collective
-- accounts of villages (村集体经济收支), in fen.
CREATE TABLE designations (
    id       INTEGER PRIMARY KEY,
    division TEXT NOT NULL,
    kind     TEXT NOT NULL,
    document TEXT NOT NULL,
    from_on  TEXT NOT NULL,
    to_on    TEXT,
    at       TEXT NOT NULL,
    by_name  TEXT NOT NULL
);
CREATE INDEX designations_division ON designations (division, kind);
INSERT INTO id_sequences (name, next) VALUES ('designations', 1);

CREATE TABLE collective_accounts (
    village             TEXT NOT NULL,
    year                INTEGER NOT NULL,
    business_fen        INTEGER NOT NULL,
    contract_fen        INTEGER NOT NULL,
    investment_fen      INTEGER NOT NULL,
    subsidy_fen         INTEGER NOT NULL,
    other_fen           INTEGER NOT NULL,
    business_cost_fen   INTEGER NOT NULL,
    management_cost_fen INTEGER NOT NULL,
    other_cost_fen      INTEGER NOT NULL,
    profit_fen          INTEGER NOT NULL,
    at                  TEXT NOT NULL,
    by_name             TEXT NOT NULL,
    PRIMARY KEY (village, year)
);
