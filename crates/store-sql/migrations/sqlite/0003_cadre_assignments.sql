-- Assistance cadres (帮扶责任人) see only the households assigned to them, within their
-- jurisdiction. One household may have several cadres; a cadre many households.
CREATE TABLE cadre_assignments (
    household_id INTEGER NOT NULL REFERENCES households (id),
    user_id      INTEGER NOT NULL REFERENCES users (id),
    assigned_at  TEXT NOT NULL,
    PRIMARY KEY (household_id, user_id)
);
CREATE INDEX cadre_assignments_user ON cadre_assignments (user_id);
