-- Audit retention (审计保存期): see the SQLite script for the reasoning.
CREATE TABLE audit_anchor (
    id        BIGINT PRIMARY KEY,
    seq       BIGINT NOT NULL,
    hash      BYTEA NOT NULL,
    pruned_at TEXT
);
INSERT INTO audit_anchor (id, seq, hash) VALUES (1, 0, decode(repeat('00', 32), 'hex'));
CREATE FUNCTION audit_anchor_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR NEW.seq < OLD.seq THEN
        RAISE EXCEPTION 'audit anchor only moves forward';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER audit_anchor_forward BEFORE UPDATE OR DELETE ON audit_anchor
    FOR EACH ROW EXECUTE FUNCTION audit_anchor_forward();
-- Records at or below the anchor are the only ones that may be deleted.
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND OLD.seq <= (SELECT seq FROM audit_anchor WHERE id = 1) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only';
END
$$;
