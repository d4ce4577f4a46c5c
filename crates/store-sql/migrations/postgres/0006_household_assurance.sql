-- 两不愁三保障 and drinking water as last checked (保障情况), one row per checked household.
-- 义务教育 and 基本医疗 are judged from the members; this holds what cannot be.
CREATE TABLE household_assurance (
    household_id      BIGINT PRIMARY KEY REFERENCES households (id),
    food_clothing     BOOLEAN NOT NULL,
    -- a, b, c, d (农村住房安全性鉴定等级); NULL while the house is not rated.
    housing           TEXT,
    water_quantity    BOOLEAN NOT NULL,
    water_quality     BOOLEAN NOT NULL,
    water_convenience BOOLEAN NOT NULL,
    water_guarantee   BOOLEAN NOT NULL,
    note              TEXT
);
