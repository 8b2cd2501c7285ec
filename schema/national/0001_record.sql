-- The national record: enrolled suite keys, the record's own key, stored handover bundles,
-- used client assertions and the hash-chained audit. Applied once, in order, never edited.

-- Which organisation each suite key belongs to (enrolled by the national operator).
CREATE TABLE directory (
    kid          text PRIMARY KEY,
    organisation text NOT NULL CHECK (length(trim(organisation)) > 0),
    public_x     text NOT NULL,
    enrolled_at  timestamptz NOT NULL
);

-- The record's signing key, which signs the published directory. One row.
CREATE TABLE record_key (
    id         smallint PRIMARY KEY CHECK (id = 1),
    secret     bytea NOT NULL,
    kid        text NOT NULL,
    created_at timestamptz NOT NULL
);

-- One row per handover bundle, indexed by what its signed document says.
CREATE TABLE document (
    id             bigserial PRIMARY KEY,
    bundle_id      text NOT NULL UNIQUE,
    payload_sha256 text NOT NULL,
    kid            text NOT NULL REFERENCES directory (kid),
    signed_at      text NOT NULL,
    received_at    timestamptz NOT NULL,
    submitted_by   text NOT NULL,
    nhs_number     text,
    pnc_id         text,
    family         text NOT NULL,
    given          text NOT NULL,
    birth_date     date,
    identifiers    jsonb NOT NULL,
    body           bytea NOT NULL
);
CREATE INDEX document_nhs ON document (nhs_number) WHERE nhs_number IS NOT NULL;
CREATE INDEX document_pnc ON document (pnc_id) WHERE pnc_id IS NOT NULL;
CREATE INDEX document_name_dob ON document (lower(family), birth_date);

-- Client assertion ids already used, kept until they expire (RFC 7523 section 3: jti).
CREATE TABLE assertion_seen (
    jti        text PRIMARY KEY,
    kid        text NOT NULL,
    expires_at timestamptz NOT NULL
);

-- Every submission, query, retrieval, refusal and enrolment. Each row's hash covers the
-- previous row's hash and its own content, so a changed, removed or inserted row breaks the
-- chain at that row.
CREATE TABLE audit (
    seq          bigint PRIMARY KEY,
    at           text NOT NULL,
    kid          text NOT NULL,
    organisation text NOT NULL,
    suite_user   text NOT NULL,
    action       text NOT NULL,
    detail       text NOT NULL,
    prev_hash    text NOT NULL,
    hash         text NOT NULL
);

CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the national record''s audit is append-only: rows are never changed or removed';
END $$;
CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
