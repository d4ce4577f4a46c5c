-- Subsidy bank accounts (惠民惠农“一卡通”): SM4-GCM ciphertext bound to
-- (household.bank_account, id) and an HMAC-SM3 blind index, like phone numbers.
ALTER TABLE households ADD COLUMN bank_enc BLOB;
ALTER TABLE households ADD COLUMN bank_bidx BLOB;
CREATE INDEX households_bank ON households (bank_bidx);
