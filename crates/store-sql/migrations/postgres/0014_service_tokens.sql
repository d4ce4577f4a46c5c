-- Service accounts (系统接入账号): accounts of other systems (a department's data system, a
-- provincial platform) bound to a role and an area like a person's, that never sign in with a
-- password; they call the JSON API with a token. Only the token's SM3 hash is stored; `hint`
-- is its first characters, so an administrator can tell tokens apart.
ALTER TABLE users ADD COLUMN service BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE service_tokens (
    id           BIGINT PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id),
    token_hash   BYTEA NOT NULL UNIQUE,
    hint         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    revoked_at   TEXT,
    revoked_by   TEXT,
    last_used_at TEXT
);
CREATE INDEX service_tokens_user ON service_tokens (user_id);
INSERT INTO id_sequences (name, next) VALUES ('service_tokens', 1);
