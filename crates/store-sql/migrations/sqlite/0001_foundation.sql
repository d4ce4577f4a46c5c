-- Foundation: divisions, calendar, policy packs, settings, id sequences, registry.
CREATE TABLE divisions (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    level       TEXT NOT NULL,
    parent_code TEXT
);
CREATE INDEX divisions_parent ON divisions (parent_code);

CREATE TABLE village_groups (
    village_code TEXT NOT NULL REFERENCES divisions (code),
    number       INTEGER NOT NULL,
    name         TEXT NOT NULL,
    PRIMARY KEY (village_code, number)
);

CREATE TABLE calendar_days (
    day         TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    festival    TEXT NOT NULL,
    notice_year INTEGER NOT NULL
);

CREATE TABLE policy_packs (
    id             TEXT PRIMARY KEY,
    file_name      TEXT NOT NULL,
    level          TEXT NOT NULL,
    region_code    TEXT,
    effective_from TEXT NOT NULL,
    body           TEXT NOT NULL,
    loaded_at      TEXT NOT NULL
);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE id_sequences (
    name TEXT PRIMARY KEY,
    next INTEGER NOT NULL
);
INSERT INTO id_sequences (name, next) VALUES ('households', 1), ('persons', 1), ('users', 1);

CREATE TABLE households (
    id             INTEGER PRIMARY KEY,
    code           TEXT NOT NULL UNIQUE,
    village_code   TEXT NOT NULL REFERENCES divisions (code),
    group_no       INTEGER,
    address        TEXT NOT NULL,
    -- SM4-GCM ciphertext bound to (households.phone, id); HMAC-SM3 blind index for search.
    phone_enc      BLOB,
    phone_bidx     BLOB,
    household_type TEXT NOT NULL,
    relocated      INTEGER NOT NULL,
    dibao          INTEGER NOT NULL,
    tekun          INTEGER NOT NULL,
    monitored      INTEGER NOT NULL,
    created_at     TEXT NOT NULL
);
CREATE INDEX households_village ON households (village_code);
CREATE INDEX households_phone ON households (phone_bidx);

CREATE TABLE persons (
    id                  INTEGER PRIMARY KEY,
    household_id        INTEGER NOT NULL REFERENCES households (id),
    -- SM4-GCM ciphertext bound to (person.id_number, id); HMAC-SM3 blind index, unique.
    id_number_enc       BLOB NOT NULL,
    id_number_bidx      BLOB NOT NULL UNIQUE,
    name                TEXT NOT NULL,
    sex                 TEXT NOT NULL,
    birth_date          TEXT NOT NULL,
    relation            TEXT NOT NULL,
    labour              TEXT NOT NULL,
    health              TEXT NOT NULL,
    disability_category TEXT,
    disability_grade    INTEGER,
    schooling           TEXT NOT NULL,
    medical_insurance   INTEGER NOT NULL,
    pension_insurance   INTEGER NOT NULL,
    employment_months   INTEGER NOT NULL,
    employment_place    TEXT,
    public_payroll      INTEGER NOT NULL,
    status              TEXT NOT NULL
);
CREATE INDEX persons_household ON persons (household_id);

CREATE TABLE household_incomes (
    household_id     INTEGER NOT NULL REFERENCES households (id),
    year             INTEGER NOT NULL,
    wage             INTEGER NOT NULL,
    business         INTEGER NOT NULL,
    property         INTEGER NOT NULL,
    transfer_pension INTEGER NOT NULL,
    transfer_dibao   INTEGER NOT NULL,
    transfer_tekun   INTEGER NOT NULL,
    transfer_eco     INTEGER NOT NULL,
    transfer_other   INTEGER NOT NULL,
    business_expense INTEGER NOT NULL,
    medical_self_pay INTEGER NOT NULL,
    insurance_claims INTEGER NOT NULL,
    PRIMARY KEY (household_id, year)
);

-- Audit trail (审计): append-only, each record chained to the one before by SM3.
CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    actor_id  INTEGER,
    actor     TEXT NOT NULL,
    source    TEXT,
    action    TEXT NOT NULL,
    target    TEXT NOT NULL,
    detail    TEXT NOT NULL,
    prev_hash BLOB NOT NULL,
    hash      BLOB NOT NULL
);
CREATE INDEX audit_log_action ON audit_log (action, at);
-- The head serialises appends: each append updates this one row first.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY,
    seq  INTEGER NOT NULL,
    hash BLOB NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, zeroblob(32));
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- Accounts (账号): one role each, bound to a division (their jurisdiction is its subtree).
CREATE TABLE users (
    id                  INTEGER PRIMARY KEY,
    username            TEXT NOT NULL UNIQUE,
    display_name        TEXT NOT NULL,
    role                TEXT NOT NULL,
    division_code       TEXT NOT NULL REFERENCES divisions (code),
    department          TEXT,
    password_hash       TEXT NOT NULL,
    must_change         INTEGER NOT NULL,
    password_changed_at TEXT NOT NULL,
    disabled            INTEGER NOT NULL,
    created_at          TEXT NOT NULL
);
CREATE INDEX users_division ON users (division_code);

-- Sessions (会话): only the SM3 hash of the random token is stored.
CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen  TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    source     TEXT,
    user_agent TEXT,
    revoked    INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Every login attempt, for lockout (per account and per address) and the login history.
CREATE TABLE login_attempts (
    at       TEXT NOT NULL,
    username TEXT NOT NULL,
    user_id  INTEGER,
    source   TEXT,
    success  INTEGER NOT NULL,
    reason   TEXT NOT NULL
);
CREATE INDEX login_attempts_user ON login_attempts (username, at);
CREATE INDEX login_attempts_source ON login_attempts (source, at);
