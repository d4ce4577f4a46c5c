-- 绿色通道 is proposed by the village after its assessment (经村级研判, seed 001) and started by
-- the town: the proposal's assessment date waits on the case until the town decides.
ALTER TABLE monitoring_cases ADD COLUMN green_channel_proposed_on DATE;
