-- Account changes one administrator proposes and another approves (三员分立): an account a
-- person creates starts disabled with a request to enable it; re-enabling an account and
-- resetting another account's password are requests too. A security administrator approves
-- or rejects; the approval carries the change out in the same transaction. A token a person
-- issues for a service account already in use waits for approval the same way (`token_id`).
CREATE TABLE account_requests (
    id                INTEGER PRIMARY KEY,
    user_id           INTEGER NOT NULL REFERENCES users (id),
    kind              TEXT NOT NULL,
    requested_by_id   INTEGER,
    requested_by      TEXT NOT NULL,
    requested_at      TEXT NOT NULL,
    status            TEXT NOT NULL,
    decided_by_id     INTEGER,
    decided_by        TEXT,
    decided_at        TEXT,
    note              TEXT,
    token_id          INTEGER REFERENCES service_tokens (id)
);
CREATE INDEX account_requests_user ON account_requests (user_id, status);
INSERT INTO id_sequences (name, next) VALUES ('account_requests', 1);
ALTER TABLE service_tokens ADD COLUMN approved INTEGER NOT NULL DEFAULT 1;
