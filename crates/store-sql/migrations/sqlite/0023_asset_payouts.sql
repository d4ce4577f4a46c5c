-- Payouts of filed distribution plans (收益发放, issue 21): a plan is paid in `months` equal
-- parts; each payout records, line by line, what was paid or why the line stopped (停发: the
-- household left, died out, or is no longer 脱贫户/监测对象 for a use paid only to them).
ALTER TABLE asset_plans ADD COLUMN months INTEGER NOT NULL DEFAULT 1;

CREATE TABLE asset_payouts (
    id       INTEGER PRIMARY KEY,
    plan_id  INTEGER NOT NULL REFERENCES asset_plans (id),
    seq      INTEGER NOT NULL,
    month    TEXT NOT NULL,
    paid_on  TEXT NOT NULL,
    at       TEXT NOT NULL,
    by_name  TEXT NOT NULL,
    UNIQUE (plan_id, seq),
    UNIQUE (plan_id, month)
);

CREATE TABLE asset_payout_lines (
    payout_id   INTEGER NOT NULL REFERENCES asset_payouts (id),
    line_ord    INTEGER NOT NULL,
    amount_fen  INTEGER NOT NULL,
    stopped     TEXT,
    PRIMARY KEY (payout_id, line_ord)
);
INSERT INTO id_sequences (name, next) VALUES ('asset_payouts', 1);
