-- alipay-phone: the sign-type pin of an app, as the keyring file's `sign_types` and the
-- environment's ALIPAY_SIGN_TYPES_<APPID> give it. Idempotent: safe to apply again.
--
--   psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -f crates/phone-client/migrations/0002_sign_types.sql
--
-- sign_types: NULL accepts every sign type the keys can verify; '{RSA2}' refuses an envelope
-- declaring RSA (a downgrade) even when its signature would verify. An array naming no sign
-- type is refused as that app's key_error: a pin that accepts nothing is a mistake.
-- Adding a nullable column rewrites nothing and fires no trigger: no replica reloads.
BEGIN;
DO $$ BEGIN PERFORM pg_advisory_xact_lock(hashtext('alipay_phone_keys migration')); END $$;
ALTER TABLE alipay_phone_keys ADD COLUMN IF NOT EXISTS sign_types text[];
COMMIT;
