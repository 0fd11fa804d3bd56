-- alipay-phone: the table PgKeys (phone-client, feature `postgres`) reads keys from, and the
-- trigger that tells every replica about a change. Idempotent: safe to apply again.
--
--   psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -f crates/phone-client/migrations/0001_alipay_phone_keys.sql
--
-- One row per mini-program app id. Keys are stored as pasted from the Alipay console (one line
-- of base64, PEM, PKCS#1, an X.509 certificate; AES keys as base64), the current key first:
-- the others still verify (alipay_public_keys) or decrypt (aes_keys) during a rotation.
-- verify_with: ISV/template mode, the app id whose alipay_public_keys verify this app's
-- envelopes (this row then usually holds only aes_keys).

-- One transaction, serialised by an advisory lock: replicas started together with
-- `--migrate` apply it one after the other, and nobody sees a table without its trigger.
BEGIN;
DO $$ BEGIN PERFORM pg_advisory_xact_lock(hashtext('alipay_phone_keys migration')); END $$;

CREATE TABLE IF NOT EXISTS alipay_phone_keys (
    app_id             text        PRIMARY KEY,
    alipay_public_keys text[]      NOT NULL DEFAULT '{}',
    aes_keys           text[]      NOT NULL DEFAULT '{}',
    verify_with        text,
    updated_at         timestamptz NOT NULL DEFAULT now()
);

-- Every change notifies channel `alipay_phone_keys` with the app id as payload; an UPDATE also
-- stamps updated_at, which the replicas' periodic check compares when a notification was missed.
-- TRUNCATE (no row trigger fires) notifies once with payload '*': every app changed.
CREATE OR REPLACE FUNCTION alipay_phone_keys_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM pg_notify('alipay_phone_keys', '*');
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('alipay_phone_keys', OLD.app_id);
        RETURN OLD;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        NEW.updated_at := clock_timestamp();
        IF OLD.app_id IS DISTINCT FROM NEW.app_id THEN
            PERFORM pg_notify('alipay_phone_keys', OLD.app_id);
        END IF;
    END IF;
    PERFORM pg_notify('alipay_phone_keys', NEW.app_id);
    RETURN NEW;
END;
$$;

DROP TRIGGER IF EXISTS alipay_phone_keys_changed ON alipay_phone_keys;
CREATE TRIGGER alipay_phone_keys_changed
    BEFORE INSERT OR UPDATE OR DELETE ON alipay_phone_keys
    FOR EACH ROW EXECUTE FUNCTION alipay_phone_keys_changed();

DROP TRIGGER IF EXISTS alipay_phone_keys_truncated ON alipay_phone_keys;
CREATE TRIGGER alipay_phone_keys_truncated
    AFTER TRUNCATE ON alipay_phone_keys
    FOR EACH STATEMENT EXECUTE FUNCTION alipay_phone_keys_changed();

COMMIT;
