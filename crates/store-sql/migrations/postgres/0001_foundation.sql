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
    day         DATE PRIMARY KEY,
    kind        TEXT NOT NULL,
    festival    TEXT NOT NULL,
    notice_year INTEGER NOT NULL
);

CREATE TABLE policy_packs (
    id             TEXT PRIMARY KEY,
    file_name      TEXT NOT NULL,
    level          TEXT NOT NULL,
    region_code    TEXT,
    effective_from DATE NOT NULL,
    body           TEXT NOT NULL,
    loaded_at      TIMESTAMPTZ NOT NULL
);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE id_sequences (
    name TEXT PRIMARY KEY,
    next BIGINT NOT NULL
);
INSERT INTO id_sequences (name, next) VALUES ('households', 1), ('persons', 1), ('users', 1);

CREATE TABLE households (
    id             BIGINT PRIMARY KEY,
    code           TEXT NOT NULL UNIQUE,
    village_code   TEXT NOT NULL REFERENCES divisions (code),
    group_no       INTEGER,
    address        TEXT NOT NULL,
    -- SM4-GCM ciphertext bound to (households.phone, id); HMAC-SM3 blind index for search.
    phone_enc      BYTEA,
    phone_bidx     BYTEA,
    household_type TEXT NOT NULL,
    relocated      BOOLEAN NOT NULL,
    dibao          BOOLEAN NOT NULL,
    tekun          BOOLEAN NOT NULL,
    monitored      BOOLEAN NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX households_village ON households (village_code);
CREATE INDEX households_phone ON households (phone_bidx);

CREATE TABLE persons (
    id                  BIGINT PRIMARY KEY,
    household_id        BIGINT NOT NULL REFERENCES households (id),
    -- SM4-GCM ciphertext bound to (person.id_number, id); HMAC-SM3 blind index, unique.
    id_number_enc       BYTEA NOT NULL,
    id_number_bidx      BYTEA NOT NULL UNIQUE,
    name                TEXT NOT NULL,
    sex                 TEXT NOT NULL,
    birth_date          DATE NOT NULL,
    relation            TEXT NOT NULL,
    labour              TEXT NOT NULL,
    health              TEXT NOT NULL,
    disability_category TEXT,
    disability_grade    INTEGER,
    schooling           TEXT NOT NULL,
    medical_insurance   BOOLEAN NOT NULL,
    pension_insurance   BOOLEAN NOT NULL,
    employment_months   INTEGER NOT NULL,
    employment_place    TEXT,
    public_payroll      BOOLEAN NOT NULL,
    status              TEXT NOT NULL
);
CREATE INDEX persons_household ON persons (household_id);

CREATE TABLE household_incomes (
    household_id     BIGINT NOT NULL REFERENCES households (id),
    year             INTEGER NOT NULL,
    wage             BIGINT NOT NULL,
    business         BIGINT NOT NULL,
    property         BIGINT NOT NULL,
    transfer_pension BIGINT NOT NULL,
    transfer_dibao   BIGINT NOT NULL,
    transfer_tekun   BIGINT NOT NULL,
    transfer_eco     BIGINT NOT NULL,
    transfer_other   BIGINT NOT NULL,
    business_expense BIGINT NOT NULL,
    medical_self_pay BIGINT NOT NULL,
    insurance_claims BIGINT NOT NULL,
    PRIMARY KEY (household_id, year)
);

-- Audit trail (审计): append-only, each record chained to the one before by SM3.
CREATE TABLE audit_log (
    seq       BIGINT PRIMARY KEY,
    at        TEXT NOT NULL,
    actor_id  BIGINT,
    actor     TEXT NOT NULL,
    source    TEXT,
    action    TEXT NOT NULL,
    target    TEXT NOT NULL,
    detail    TEXT NOT NULL,
    prev_hash BYTEA NOT NULL,
    hash      BYTEA NOT NULL
);
CREATE INDEX audit_log_action ON audit_log (action, at);
-- The head serialises appends: each append updates (and so locks) this one row first.
CREATE TABLE audit_head (
    id   BIGINT PRIMARY KEY,
    seq  BIGINT NOT NULL,
    hash BYTEA NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, decode(repeat('00', 32), 'hex'));
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

-- Accounts (账号): one role each, bound to a division (their jurisdiction is its subtree).
CREATE TABLE users (
    id                  BIGINT PRIMARY KEY,
    username            TEXT NOT NULL UNIQUE,
    display_name        TEXT NOT NULL,
    role                TEXT NOT NULL,
    division_code       TEXT NOT NULL REFERENCES divisions (code),
    department          TEXT,
    password_hash       TEXT NOT NULL,
    must_change         BOOLEAN NOT NULL,
    password_changed_at TEXT NOT NULL,
    disabled            BOOLEAN NOT NULL,
    created_at          TEXT NOT NULL
);
CREATE INDEX users_division ON users (division_code);

-- Sessions (会话): only the SM3 hash of the random token is stored.
CREATE TABLE sessions (
    token_hash BYTEA PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen  TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    source     TEXT,
    user_agent TEXT,
    revoked    BOOLEAN NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Every login attempt, for lockout (per account and per address) and the login history.
CREATE TABLE login_attempts (
    at       TEXT NOT NULL,
    username TEXT NOT NULL,
    user_id  BIGINT,
    source   TEXT,
    success  BOOLEAN NOT NULL,
    reason   TEXT NOT NULL
);
CREATE INDEX login_attempts_user ON login_attempts (username, at);
CREATE INDEX login_attempts_source ON login_attempts (source, at);
