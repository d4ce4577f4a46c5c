-- Scans attached to project steps (issue 21: 验收单, 监理和审计报告, 资产移交清单, 发票 …),
-- sealed like case attachments.
CREATE TABLE project_files (
    id           INTEGER PRIMARY KEY,
    project_id   INTEGER NOT NULL REFERENCES projects (id),
    event_id     INTEGER NOT NULL REFERENCES project_events (id),
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    body_enc     BLOB NOT NULL
);
CREATE INDEX project_files_project ON project_files (project_id);
INSERT INTO id_sequences (name, next) VALUES ('project_files', 1);
