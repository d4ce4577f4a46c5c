-- Files of a refused form kept for its correction (upload once), for a household's forms
-- (visit photos, 三保障 evidence) and now a rectification item's steps (issue 22): one table,
-- owned by exactly one of them. The kept rows move over with their ids (each is sealed with
-- its id as associated data) and the id sequence with them.
CREATE TABLE file_drafts (
    id           BIGINT PRIMARY KEY,
    account      TEXT NOT NULL,
    household_id BIGINT REFERENCES households (id),
    item_id      BIGINT REFERENCES rectification_items (id),
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    body_enc     BYTEA NOT NULL,
    created_at   TEXT NOT NULL,
    CHECK ((household_id IS NULL) <> (item_id IS NULL))
);
INSERT INTO file_drafts (id, account, household_id, name, content_type, size, body_enc, created_at)
    SELECT id, account, household_id, name, content_type, size, body_enc, created_at
      FROM visit_photo_drafts;
DROP TABLE visit_photo_drafts;
CREATE INDEX file_drafts_household ON file_drafts (account, household_id);
CREATE INDEX file_drafts_item ON file_drafts (account, item_id);
UPDATE id_sequences SET name = 'file_drafts' WHERE name = 'visit_photo_drafts';
