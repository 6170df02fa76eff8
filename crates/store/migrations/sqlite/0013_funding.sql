-- Demonstration-project funding: calls with their budget and running
-- totals (updated under the call's lock with every grant and payment),
-- applications with a project of the applying organization, each
-- reviewer's score, and disbursements. Modes are written by the
-- application from the domain's types; amounts are whole yuan.

CREATE TABLE funding_calls (
    id               INTEGER PRIMARY KEY,
    title            TEXT NOT NULL,
    mode             TEXT NOT NULL,
    year             INTEGER NOT NULL,
    region_code      TEXT NOT NULL REFERENCES regions (code),
    region_path      TEXT NOT NULL,
    budget_yuan      INTEGER NOT NULL,
    max_projects     INTEGER NOT NULL,
    opens_on         TEXT NOT NULL,
    closes_on        TEXT NOT NULL,
    granted_yuan     INTEGER NOT NULL DEFAULT 0,
    granted_projects INTEGER NOT NULL DEFAULT 0,
    disbursed_yuan   INTEGER NOT NULL DEFAULT 0,
    created_by       INTEGER NOT NULL REFERENCES users (id),
    created_at       INTEGER NOT NULL
);
CREATE INDEX funding_calls_path ON funding_calls (region_path, year);

CREATE TABLE funding_applications (
    id              INTEGER PRIMARY KEY,
    call_id         INTEGER NOT NULL REFERENCES funding_calls (id),
    project_id      INTEGER NOT NULL REFERENCES projects (id),
    organization_id INTEGER NOT NULL REFERENCES organizations (id),
    amount_yuan     INTEGER NOT NULL,
    plan            TEXT NOT NULL,
    applied_by      INTEGER NOT NULL REFERENCES users (id),
    applied_at      INTEGER NOT NULL,
    granted_yuan    INTEGER,
    granted_by      INTEGER REFERENCES users (id),
    granted_at      INTEGER,
    disbursed_yuan  INTEGER NOT NULL DEFAULT 0,
    UNIQUE (call_id, project_id)
);

CREATE TABLE funding_scores (
    application_id INTEGER NOT NULL REFERENCES funding_applications (id),
    reviewer       INTEGER NOT NULL REFERENCES users (id),
    score          INTEGER NOT NULL,
    comment        TEXT NOT NULL,
    scored_at      INTEGER NOT NULL,
    PRIMARY KEY (application_id, reviewer)
);

CREATE TABLE funding_disbursements (
    id             INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES funding_applications (id),
    amount_yuan    INTEGER NOT NULL,
    paid_on        TEXT NOT NULL,
    note           TEXT NOT NULL,
    recorded_by    INTEGER NOT NULL REFERENCES users (id),
    recorded_at    INTEGER NOT NULL
);
CREATE INDEX funding_disbursements_application ON funding_disbursements (application_id);
