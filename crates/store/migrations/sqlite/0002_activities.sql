-- Activities: the category list, projects, activities, sign-ups, attendance,
-- service records with their hash-chained ledger and totals, supervision
-- pings, evidence files, record reports, certificates and settings.
-- Times are epoch milliseconds (UTC); days are YYYY-MM-DD text (China time).

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE categories (
    code     TEXT PRIMARY KEY,
    label_zh TEXT NOT NULL,
    label_en TEXT NOT NULL,
    position INTEGER NOT NULL
);
INSERT INTO categories (code, label_zh, label_en, position) VALUES
    ('policy_outreach', '理论政策宣讲', 'Policy outreach', 1),
    ('poverty_relief', '扶贫帮困', 'Poverty relief', 2),
    ('civilized_city', '文明城市建设', 'Civilized city', 3),
    ('culture_sports', '文体活动', 'Culture and sports', 4),
    ('education_support', '助学支教', 'Education support', 5),
    ('health_care', '医疗保健', 'Health care', 6),
    ('environment', '环境保洁', 'Environment and cleaning', 7),
    ('left_behind_children', '关爱留守儿童', 'Left-behind children', 8),
    ('left_behind_elderly', '关爱留守老人', 'Left-behind elderly', 9),
    ('customs_reform', '移风易俗', 'Reforming customs', 10),
    ('emergency_rescue', '应急救援', 'Emergency rescue', 11),
    ('other', '其他', 'Other', 12);

ALTER TABLE volunteers ADD COLUMN insured_until TEXT;

CREATE TABLE projects (
    id               INTEGER PRIMARY KEY,
    organization_id  INTEGER NOT NULL REFERENCES organizations (id),
    title            TEXT NOT NULL,
    description      TEXT NOT NULL,
    kind             TEXT NOT NULL,
    category         TEXT NOT NULL REFERENCES categories (code),
    area_code        TEXT NOT NULL REFERENCES regions (code),
    county_code      TEXT NOT NULL,
    area_path        TEXT NOT NULL,
    on_menu          BOOLEAN NOT NULL,
    demonstration_at INTEGER,
    demonstration_by INTEGER,
    created_by       INTEGER NOT NULL,
    created_at       INTEGER NOT NULL
);
CREATE INDEX projects_path ON projects (area_path);
CREATE INDEX projects_organization ON projects (organization_id);

CREATE TABLE activities (
    id                    INTEGER PRIMARY KEY,
    organization_id       INTEGER NOT NULL REFERENCES organizations (id),
    project_id            INTEGER REFERENCES projects (id),
    title                 TEXT NOT NULL,
    description           TEXT NOT NULL,
    category              TEXT NOT NULL REFERENCES categories (code),
    region_code           TEXT NOT NULL REFERENCES regions (code),
    county_code           TEXT NOT NULL,
    region_path           TEXT NOT NULL,
    lat                   REAL NOT NULL,
    lon                   REAL NOT NULL,
    radius_m              INTEGER NOT NULL,
    starts_at             INTEGER NOT NULL,
    ends_at               INTEGER NOT NULL,
    quota                 INTEGER NOT NULL,
    waitlist              INTEGER NOT NULL,
    signup_opens_at       INTEGER,
    signup_closes_at      INTEGER NOT NULL,
    min_age               INTEGER,
    max_age               INTEGER,
    required_skills       TEXT NOT NULL,
    insurance_required    BOOLEAN NOT NULL,
    auto_approve          BOOLEAN NOT NULL,
    checkin_methods       TEXT NOT NULL,
    early_checkin_minutes INTEGER NOT NULL,
    missing_checkout      TEXT NOT NULL,
    auto_confirm_days     INTEGER NOT NULL,
    state                 TEXT NOT NULL,
    -- seats held by approved and pending sign-ups, and the waiting list's length
    seats_taken           INTEGER NOT NULL DEFAULT 0,
    waiting               INTEGER NOT NULL DEFAULT 0,
    created_by            INTEGER NOT NULL,
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL
);
CREATE INDEX activities_path ON activities (region_path);
CREATE INDEX activities_starts ON activities (starts_at);
CREATE INDEX activities_organization ON activities (organization_id);

CREATE TABLE signups (
    id           INTEGER PRIMARY KEY,
    activity_id  INTEGER NOT NULL REFERENCES activities (id),
    volunteer_id INTEGER NOT NULL REFERENCES volunteers (id),
    status       TEXT NOT NULL,
    -- the activity's time, copied for the time-clash check
    starts_at    INTEGER NOT NULL,
    ends_at      INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    decided_by   INTEGER,
    UNIQUE (activity_id, volunteer_id)
);
CREATE INDEX signups_volunteer ON signups (volunteer_id, starts_at);

CREATE TABLE service_records (
    id              INTEGER PRIMARY KEY,
    volunteer_id    INTEGER NOT NULL REFERENCES volunteers (id),
    activity_id     INTEGER NOT NULL REFERENCES activities (id),
    organization_id INTEGER NOT NULL REFERENCES organizations (id),
    county_code     TEXT NOT NULL,
    region_code     TEXT NOT NULL,
    region_path     TEXT NOT NULL,
    hour_kind       TEXT NOT NULL,
    state           TEXT NOT NULL,
    -- open: signed in, not yet signed out
    is_open         BOOLEAN NOT NULL,
    signed_in_at    INTEGER NOT NULL,
    signed_out_at   INTEGER,
    from_at         INTEGER NOT NULL,
    to_at           INTEGER NOT NULL,
    minutes         INTEGER NOT NULL,
    service_day     TEXT NOT NULL,
    note            TEXT NOT NULL,
    flags           TEXT NOT NULL,
    flagged         BOOLEAN NOT NULL,
    evidence_id     INTEGER,
    entered_by      INTEGER,
    closed_at       INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX service_records_volunteer ON service_records (volunteer_id, from_at);
CREATE INDEX service_records_activity ON service_records (activity_id);
CREATE INDEX service_records_path ON service_records (region_path);
CREATE INDEX service_records_open ON service_records (is_open, signed_in_at);

CREATE TABLE attendance (
    id           INTEGER PRIMARY KEY,
    activity_id  INTEGER NOT NULL REFERENCES activities (id),
    volunteer_id INTEGER NOT NULL REFERENCES volunteers (id),
    kind         TEXT NOT NULL,
    method       TEXT NOT NULL,
    claimed_at   INTEGER NOT NULL,
    received_at  INTEGER NOT NULL,
    token_step   INTEGER,
    lat          REAL,
    lon          REAL,
    accuracy_m   REAL,
    device_id    TEXT,
    offline      BOOLEAN NOT NULL,
    reason       TEXT,
    by_user      INTEGER NOT NULL,
    record_id    INTEGER NOT NULL REFERENCES service_records (id),
    -- a token step is used once per volunteer and kind (replays refused)
    UNIQUE (activity_id, volunteer_id, kind, token_step)
);
CREATE INDEX attendance_record ON attendance (record_id);

CREATE TABLE supervision_pings (
    id           INTEGER PRIMARY KEY,
    activity_id  INTEGER NOT NULL REFERENCES activities (id),
    volunteer_id INTEGER NOT NULL REFERENCES volunteers (id),
    record_id    INTEGER NOT NULL REFERENCES service_records (id),
    at           INTEGER NOT NULL,
    lat          REAL NOT NULL,
    lon          REAL NOT NULL,
    accuracy_m   REAL NOT NULL,
    device_id    TEXT
);
CREATE INDEX supervision_pings_record ON supervision_pings (record_id, at);
CREATE INDEX supervision_pings_device ON supervision_pings (activity_id, device_id);

CREATE TABLE evidence_files (
    id          INTEGER PRIMARY KEY,
    media_type  TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    size        INTEGER NOT NULL,
    content     BLOB NOT NULL,
    uploaded_by INTEGER NOT NULL,
    uploaded_at INTEGER NOT NULL
);

CREATE TABLE ledger_entries (
    id              INTEGER PRIMARY KEY,
    volunteer_id    INTEGER NOT NULL REFERENCES volunteers (id),
    seq             INTEGER NOT NULL,
    record_id       INTEGER NOT NULL REFERENCES service_records (id),
    event           TEXT NOT NULL,
    state           TEXT NOT NULL,
    hour_kind       TEXT NOT NULL,
    minutes         INTEGER NOT NULL,
    effective_delta INTEGER NOT NULL,
    at              INTEGER NOT NULL,
    actor_user      INTEGER,
    reason          TEXT NOT NULL,
    prev_hash       BLOB NOT NULL,
    hash            BLOB NOT NULL,
    UNIQUE (volunteer_id, seq)
);
CREATE INDEX ledger_entries_record ON ledger_entries (record_id);

CREATE TABLE volunteer_totals (
    volunteer_id  INTEGER PRIMARY KEY REFERENCES volunteers (id),
    credit_minutes INTEGER NOT NULL,
    honor_minutes INTEGER NOT NULL,
    records       INTEGER NOT NULL,
    ledger_seq    INTEGER NOT NULL,
    ledger_hash   BLOB NOT NULL
);

CREATE TABLE organization_totals (
    organization_id INTEGER PRIMARY KEY REFERENCES organizations (id),
    credit_minutes  INTEGER NOT NULL,
    honor_minutes   INTEGER NOT NULL,
    records         INTEGER NOT NULL
);

CREATE TABLE region_day_totals (
    region_code    TEXT NOT NULL,
    day            TEXT NOT NULL,
    county_code    TEXT NOT NULL,
    region_path    TEXT NOT NULL,
    credit_minutes INTEGER NOT NULL,
    honor_minutes  INTEGER NOT NULL,
    records        INTEGER NOT NULL,
    PRIMARY KEY (region_code, day)
);
CREATE INDEX region_day_totals_path ON region_day_totals (region_path, day);

CREATE TABLE record_reports (
    id              INTEGER PRIMARY KEY,
    volunteer_id    INTEGER NOT NULL REFERENCES volunteers (id),
    activity_id     INTEGER NOT NULL REFERENCES activities (id),
    organization_id INTEGER NOT NULL REFERENCES organizations (id),
    record_id       INTEGER REFERENCES service_records (id),
    kind            TEXT NOT NULL,
    detail          TEXT NOT NULL,
    state           TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    answered_by     INTEGER,
    answered_at     INTEGER,
    answer          TEXT
);
CREATE INDEX record_reports_organization ON record_reports (organization_id, state);

CREATE TABLE certificates (
    number          TEXT PRIMARY KEY,
    volunteer_id    INTEGER NOT NULL REFERENCES volunteers (id),
    issued_at       INTEGER NOT NULL,
    issued_by       INTEGER NOT NULL,
    credit_minutes  INTEGER NOT NULL,
    honor_minutes   INTEGER NOT NULL,
    -- what the certificate says (JSON), compared with the ledger on verification
    content         TEXT NOT NULL
);
CREATE INDEX certificates_volunteer ON certificates (volunteer_id);
