-- 绿色通道 is proposed by the village after its assessment (经村级研判, seed 001) and started by
-- the town: the proposal's assessment date waits on the case until the town decides.
ALTER TABLE monitoring_cases ADD COLUMN green_channel_proposed_on DATE;
-- The exclusion rules (原则上不纳入) the verification found met, by code, comma-separated:
-- the deliberation must admit each as a special case (村民代表大会评议认定).
ALTER TABLE monitoring_cases ADD COLUMN exclusion_hits TEXT NOT NULL DEFAULT '';
-- Those the agreed deliberation admitted as special cases: approval needs every hit admitted.
ALTER TABLE monitoring_cases ADD COLUMN exclusions_admitted TEXT NOT NULL DEFAULT '';
