-- Scans and photos of a rectification step's evidence (整改佐证材料, issue 22), sealed like
-- the problem ledger's, each tied to the step that brought it.
CREATE TABLE rectification_files (
    id           BIGINT PRIMARY KEY,
    item_id      BIGINT NOT NULL REFERENCES rectification_items (id),
    event_id     BIGINT NOT NULL REFERENCES rectification_events (id),
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    body_enc     BYTEA NOT NULL
);
CREATE INDEX rectification_files_item ON rectification_files (item_id);
INSERT INTO id_sequences (name, next) VALUES ('rectification_files', 1);
