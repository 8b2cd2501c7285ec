-- Scale (issue 15, part 5): what the record needs to stay fast at a million bundles a year.
-- Applied once, in order, never edited.

-- Every request clears expired client assertion ids before recording its own. Without an
-- index that is a scan of every id seen in the last five minutes (tens of thousands at a
-- few hundred requests a second), on every request.
CREATE INDEX assertion_seen_expires ON assertion_seen (expires_at);

-- Every request reads the key directory (authentication, then verification of a submission).
-- The service keeps it decoded and reads it again only when this version moves: any change
-- to `directory` bumps it, in the changing transaction. `epoch` tells databases apart.
CREATE TABLE directory_version (
    id      smallint PRIMARY KEY CHECK (id = 1),
    epoch   uuid NOT NULL DEFAULT gen_random_uuid(),
    version bigint NOT NULL
);
INSERT INTO directory_version (id, version) VALUES (1, 0);

CREATE FUNCTION directory_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE directory_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END $$;
CREATE TRIGGER directory_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON directory
    FOR EACH STATEMENT EXECUTE FUNCTION directory_changed();

-- Bundle bodies are compressed with LZ4 rather than pglz: several times cheaper to compress
-- on ingest and to decompress on retrieval (ITI-68). Rows already stored keep pglz.
ALTER TABLE document ALTER COLUMN body SET COMPRESSION lz4;

-- The audit append in one call, so the lock that orders the chain (held until the caller
-- commits) spans one round trip instead of three. Each statement of a volatile PL/pgSQL
-- function takes a new snapshot, so the last row is read after the lock is granted and is
-- the one the previous holder committed. The hash is exactly `row_hash` in
-- src/national/server/audit.rs, which verifies it: SHA-256 over each part's length in bytes
-- (8 bytes, big-endian) followed by its UTF-8 bytes, for the previous hash, the sequence
-- number, the time and the row's fields, in that order.
CREATE FUNCTION audit_append(lock_key bigint, p_at text, p_kid text, p_organisation text,
                             p_user text, p_action text, p_detail text)
RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    last_seq  bigint;
    last_hash text;
    part      text;
    bytes     bytea;
    hashed    bytea := '';
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    SELECT a.seq, a.hash INTO last_seq, last_hash FROM audit a ORDER BY a.seq DESC LIMIT 1;
    IF NOT FOUND THEN
        last_seq := 0;
        last_hash := repeat('0', 64);
    END IF;
    -- Plain PL/pgSQL expressions, planned once per session (a SQL helper function calling
    -- the stable convert_to would not be inlined and would be parsed again on every call).
    FOREACH part IN ARRAY ARRAY[last_hash, (last_seq + 1)::text, p_at, p_kid, p_organisation,
                                p_user, p_action, p_detail] LOOP
        bytes := convert_to(part, 'UTF8');
        hashed := hashed || int8send(octet_length(bytes)::bigint) || bytes;
    END LOOP;
    INSERT INTO audit (seq, at, kid, organisation, suite_user, action, detail, prev_hash, hash)
    VALUES (last_seq + 1, p_at, p_kid, p_organisation, p_user, p_action, p_detail, last_hash,
            encode(sha256(hashed), 'hex'));
    RETURN last_seq + 1;
END $$;
