-- Foundation: regions, practice sites, accounts with scoped roles, sessions,
-- volunteers (personal data sealed), organizations, memberships, audit log, outbox.
-- Times are epoch milliseconds (UTC); dates are YYYY-MM-DD text.

CREATE TABLE regions (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    level       TEXT NOT NULL,
    parent_code TEXT,
    path        TEXT NOT NULL,
    population  INTEGER
);
CREATE INDEX regions_parent ON regions (parent_code);
CREATE INDEX regions_path ON regions (path);

CREATE TABLE sites (
    id          INTEGER PRIMARY KEY,
    region_code TEXT NOT NULL UNIQUE REFERENCES regions (code),
    county_code TEXT NOT NULL,
    region_path TEXT NOT NULL,
    level       TEXT NOT NULL,
    name        TEXT NOT NULL,
    address     TEXT,
    lat         REAL,
    lon         REAL
);
CREATE INDEX sites_path ON sites (region_path);

CREATE TABLE users (
    id                  INTEGER PRIMARY KEY,
    phone_hash          BLOB NOT NULL UNIQUE,
    phone_sealed        TEXT NOT NULL,
    display_name        TEXT NOT NULL,
    password_hash       TEXT,
    created_at          INTEGER NOT NULL,
    password_changed_at INTEGER NOT NULL,
    -- imported accounts: a one-time code (keyed hash) until a password is set
    activation_code_hash BLOB,
    activation_expires_at INTEGER
);

CREATE TABLE role_grants (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    role        TEXT NOT NULL,
    scope_kind  TEXT NOT NULL,
    scope_id    TEXT NOT NULL,
    region_path TEXT NOT NULL,
    granted_at  INTEGER NOT NULL,
    UNIQUE (user_id, role, scope_id)
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE volunteer_number_counters (
    prefix   TEXT PRIMARY KEY,
    last_seq INTEGER NOT NULL
);

CREATE TABLE volunteers (
    id                  INTEGER PRIMARY KEY,
    user_id             INTEGER NOT NULL UNIQUE REFERENCES users (id),
    volunteer_no        TEXT NOT NULL UNIQUE,
    name                TEXT NOT NULL,
    id_hash             BLOB NOT NULL UNIQUE,
    id_sealed           TEXT NOT NULL,
    id_masked           TEXT NOT NULL,
    phone_sealed        TEXT NOT NULL,
    phone_masked        TEXT NOT NULL,
    birth_date          TEXT NOT NULL,
    sex                 TEXT NOT NULL,
    political_status    TEXT NOT NULL,
    region_code         TEXT NOT NULL REFERENCES regions (code),
    county_code         TEXT NOT NULL,
    region_path         TEXT NOT NULL,
    rural               BOOLEAN NOT NULL,
    skills              TEXT NOT NULL,
    guardian_name       TEXT,
    guardian_phone_sealed TEXT,
    face_consent_at     INTEGER,
    location_consent_at INTEGER,
    registered_at       INTEGER NOT NULL
);
CREATE INDEX volunteers_path ON volunteers (region_path);

CREATE TABLE volunteer_skills (
    volunteer_id INTEGER NOT NULL REFERENCES volunteers (id),
    skill        TEXT NOT NULL,
    PRIMARY KEY (volunteer_id, skill)
) WITHOUT ROWID;
CREATE INDEX volunteer_skills_skill ON volunteer_skills (skill);

CREATE TABLE volunteer_transfers (
    id           INTEGER PRIMARY KEY,
    volunteer_id INTEGER NOT NULL REFERENCES volunteers (id),
    from_region  TEXT NOT NULL,
    to_region    TEXT NOT NULL,
    at           INTEGER NOT NULL,
    by_user      INTEGER NOT NULL
);
CREATE INDEX volunteer_transfers_volunteer ON volunteer_transfers (volunteer_id);

CREATE TABLE id_appeals (
    id           INTEGER PRIMARY KEY,
    id_hash      BLOB NOT NULL,
    name         TEXT NOT NULL,
    phone_sealed TEXT NOT NULL,
    region_code  TEXT NOT NULL,
    region_path  TEXT NOT NULL,
    reason       TEXT NOT NULL,
    status       TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    resolved_by  INTEGER,
    resolved_at  INTEGER,
    resolution   TEXT
);
CREATE INDEX id_appeals_path ON id_appeals (region_path);

CREATE TABLE organizations (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    region_code TEXT NOT NULL REFERENCES regions (code),
    county_code TEXT NOT NULL,
    region_path TEXT NOT NULL,
    uscc        TEXT UNIQUE,
    parent_id   INTEGER REFERENCES organizations (id),
    join_mode   TEXT NOT NULL,
    verified_at INTEGER,
    verified_by INTEGER,
    created_by  INTEGER,
    created_at  INTEGER NOT NULL,
    UNIQUE (region_code, name)
);
CREATE INDEX organizations_path ON organizations (region_path);

CREATE TABLE memberships (
    organization_id INTEGER NOT NULL REFERENCES organizations (id),
    volunteer_id    INTEGER NOT NULL REFERENCES volunteers (id),
    state           TEXT NOT NULL,
    requested_at    INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (organization_id, volunteer_id)
) WITHOUT ROWID;
CREATE INDEX memberships_volunteer ON memberships (volunteer_id);

CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY,
    at           INTEGER NOT NULL,
    actor_user   INTEGER,
    action       TEXT NOT NULL,
    subject_kind TEXT NOT NULL,
    subject_id   TEXT NOT NULL,
    detail       TEXT NOT NULL
);
CREATE INDEX audit_log_subject ON audit_log (subject_kind, subject_id);

CREATE TABLE outbox (
    id           INTEGER PRIMARY KEY,
    at           INTEGER NOT NULL,
    channel      TEXT NOT NULL,
    phone_hash   BLOB NOT NULL,
    phone_sealed TEXT NOT NULL,
    template     TEXT NOT NULL,
    payload      TEXT NOT NULL,
    sent_at      INTEGER
);
