-- Photos chosen on a visit form that was refused, kept for the officer who chose them so the
-- corrected form need not upload them again (issue 25). Sealed like visit photos; moved into
-- visit_photos when the visit is saved; drafts older than a day are removed.
CREATE TABLE visit_photo_drafts (
    id           BIGINT PRIMARY KEY,
    account      TEXT NOT NULL,
    household_id BIGINT NOT NULL REFERENCES households (id),
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    body_enc     BYTEA NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX visit_photo_drafts_account ON visit_photo_drafts (account, household_id);
INSERT INTO id_sequences (name, next) VALUES ('visit_photo_drafts', 1);
