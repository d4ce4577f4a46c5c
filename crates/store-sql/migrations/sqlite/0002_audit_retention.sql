-- Audit retention (审计保存期): records older than the retention period may be removed, oldest
-- first. The anchor keeps the sequence number and hash of the last removed record, so the
-- chain is still checked from there; it only ever moves forward.
CREATE TABLE audit_anchor (
    id        INTEGER PRIMARY KEY,
    seq       INTEGER NOT NULL,
    hash      BLOB NOT NULL,
    pruned_at TEXT
);
INSERT INTO audit_anchor (id, seq, hash) VALUES (1, 0, zeroblob(32));
CREATE TRIGGER audit_anchor_forward BEFORE UPDATE ON audit_anchor
WHEN NEW.seq < OLD.seq
BEGIN SELECT RAISE(ABORT, 'audit anchor only moves forward'); END;
CREATE TRIGGER audit_anchor_no_delete BEFORE DELETE ON audit_anchor
BEGIN SELECT RAISE(ABORT, 'audit anchor cannot be removed'); END;
-- Records at or below the anchor are the only ones that may be deleted.
DROP TRIGGER audit_log_no_delete;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
WHEN OLD.seq > (SELECT seq FROM audit_anchor WHERE id = 1)
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
