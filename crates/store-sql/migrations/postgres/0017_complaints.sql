-- Complaints and suggestions (投诉建议, 国办函〔2026〕12号) to a county office, and its answers.
-- The sender's phone is sealed like other personal data; the code is what the sender reads
-- the answer by.
CREATE TABLE complaints (
    id          BIGINT PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    county      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    channel     TEXT NOT NULL,
    body        TEXT NOT NULL,
    sender_name TEXT,
    phone_enc   BYTEA,
    -- the account that sent it (staff), by id and login name
    account_id  BIGINT,
    sent_by     TEXT,
    received_on DATE NOT NULL,
    received_at TEXT NOT NULL,
    due_on      DATE,
    status      TEXT NOT NULL,
    reply       TEXT,
    replied_on  DATE,
    replied_at  TEXT,
    replied_by  TEXT
);
CREATE INDEX complaints_county ON complaints (county, received_on);
CREATE INDEX complaints_account ON complaints (account_id);
INSERT INTO id_sequences (name, next) VALUES ('complaints', 1);
