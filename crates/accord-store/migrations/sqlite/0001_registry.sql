-- Accord registry, SQLite. Times are RFC 3339 UTC text; booleans are 0/1.
CREATE TABLE organisations (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    organisation_id INTEGER REFERENCES organisations(id),
    role TEXT NOT NULL CHECK (role IN ('provider', 'reviewer', 'admin')),
    jurisdiction TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE tokens (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

CREATE TABLE systems (
    id INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    name TEXT NOT NULL,
    latest_version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX systems_by_organisation ON systems (organisation_id, id);

CREATE TABLE profiles (
    system_id INTEGER NOT NULL REFERENCES systems(id),
    version INTEGER NOT NULL,
    document TEXT NOT NULL,
    digest TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    PRIMARY KEY (system_id, version)
);

CREATE TABLE assessments (
    id INTEGER PRIMARY KEY,
    system_id INTEGER NOT NULL REFERENCES systems(id),
    profile_version INTEGER NOT NULL,
    as_of TEXT NOT NULL,
    rules_digest TEXT NOT NULL,
    rulepacks TEXT NOT NULL,
    result TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX assessments_latest ON assessments (system_id, id);

CREATE TABLE evidence (
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    sha256 TEXT NOT NULL,
    system_id INTEGER REFERENCES systems(id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    size INTEGER NOT NULL,
    content BLOB NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (organisation_id, sha256)
);

CREATE TABLE attestations (
    id INTEGER PRIMARY KEY,
    system_id INTEGER NOT NULL REFERENCES systems(id),
    envelope TEXT NOT NULL,
    key_id TEXT NOT NULL,
    issuer TEXT NOT NULL,
    verification TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE filings (
    id INTEGER PRIMARY KEY,
    system_id INTEGER NOT NULL REFERENCES systems(id),
    jurisdiction TEXT NOT NULL,
    profile_version INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('submitted', 'under-review', 'approved', 'rejected', 'changes-requested')),
    submitted_by INTEGER NOT NULL REFERENCES users(id),
    published INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX filings_by_system ON filings (system_id, id);
CREATE INDEX filings_published ON filings (published, id);

CREATE TABLE filing_events (
    id INTEGER PRIMARY KEY,
    filing_id INTEGER NOT NULL REFERENCES filings(id),
    actor INTEGER NOT NULL REFERENCES users(id),
    from_status TEXT,
    to_status TEXT NOT NULL,
    comment TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX filing_events_by_filing ON filing_events (filing_id, id);

CREATE TABLE rule_loads (
    id INTEGER PRIMARY KEY,
    rules_digest TEXT NOT NULL,
    rulepacks TEXT NOT NULL,
    loaded_at TEXT NOT NULL
);

CREATE TABLE impacts (
    id INTEGER PRIMARY KEY,
    system_id INTEGER NOT NULL REFERENCES systems(id),
    from_digest TEXT NOT NULL,
    to_digest TEXT NOT NULL,
    changes TEXT NOT NULL,
    change_count INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX impacts_by_id ON impacts (id);

CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);

-- Append-only: the database refuses edits and deletions of the audit log.
-- (`accord audit-log verify` still detects them if made behind its back.)
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
