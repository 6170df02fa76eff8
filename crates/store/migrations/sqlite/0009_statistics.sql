-- Statistics rollups (store/src/statistics.rs; what each fact adds is
-- domain::statistics). Every change is added to the region it concerns
-- and to each region above it, once for its day (span 'd', period
-- YYYY-MM-DD) and once for its month (span 'm', period YYYY-MM), in the
-- transaction of the change, so a province's figures read as few rows as
-- a village's. They replace region_day_totals, which nothing read.
-- A database migrated from an earlier version fills the figures with
-- `zhiyuan rollups rebuild`.
DROP TABLE region_day_totals;

CREATE TABLE region_figures (
    region_code     TEXT NOT NULL,
    span            TEXT NOT NULL,
    period          TEXT NOT NULL,
    volunteers      INTEGER NOT NULL DEFAULT 0,
    new_volunteers  INTEGER NOT NULL DEFAULT 0,
    party_members   INTEGER NOT NULL DEFAULT 0,
    elderly         INTEGER NOT NULL DEFAULT 0,
    rural           INTEGER NOT NULL DEFAULT 0,
    organizations   INTEGER NOT NULL DEFAULT 0,
    projects        INTEGER NOT NULL DEFAULT 0,
    activities      INTEGER NOT NULL DEFAULT 0,
    credit_minutes  INTEGER NOT NULL DEFAULT 0,
    honor_minutes   INTEGER NOT NULL DEFAULT 0,
    records         INTEGER NOT NULL DEFAULT 0,
    closed_loops    INTEGER NOT NULL DEFAULT 0,
    closed_unrated  INTEGER NOT NULL DEFAULT 0,
    rating_sum      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (region_code, span, period)
) WITHOUT ROWID;

-- Effective records per volunteer and month of service: a month is a
-- month of service while its row exists (rows at 0 are deleted).
CREATE TABLE volunteer_months (
    volunteer_id INTEGER NOT NULL REFERENCES volunteers (id),
    month        TEXT NOT NULL,
    records      INTEGER NOT NULL,
    PRIMARY KEY (volunteer_id, month)
) WITHOUT ROWID;

-- Volunteers (by home region, and each region above it) who served in a
-- month, by the month they served in before ('' for none): a period's
-- active volunteers are those of its months whose previous month lies
-- before the period (domain::statistics::active_volunteers).
CREATE TABLE active_months (
    region_code    TEXT NOT NULL,
    month          TEXT NOT NULL,
    previous_month TEXT NOT NULL,
    volunteers     INTEGER NOT NULL,
    PRIMARY KEY (region_code, month, previous_month)
) WITHOUT ROWID;

-- The same figures per organization (those that concern one: hours,
-- records, activities, loops), by day and by month, for rankings of
-- organizations.
CREATE TABLE organization_figures (
    organization_id INTEGER NOT NULL REFERENCES organizations (id),
    span            TEXT NOT NULL,
    period          TEXT NOT NULL,
    volunteers      INTEGER NOT NULL DEFAULT 0,
    new_volunteers  INTEGER NOT NULL DEFAULT 0,
    party_members   INTEGER NOT NULL DEFAULT 0,
    elderly         INTEGER NOT NULL DEFAULT 0,
    rural           INTEGER NOT NULL DEFAULT 0,
    organizations   INTEGER NOT NULL DEFAULT 0,
    projects        INTEGER NOT NULL DEFAULT 0,
    activities      INTEGER NOT NULL DEFAULT 0,
    credit_minutes  INTEGER NOT NULL DEFAULT 0,
    honor_minutes   INTEGER NOT NULL DEFAULT 0,
    records         INTEGER NOT NULL DEFAULT 0,
    closed_loops    INTEGER NOT NULL DEFAULT 0,
    closed_unrated  INTEGER NOT NULL DEFAULT 0,
    rating_sum      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (organization_id, span, period)
) WITHOUT ROWID;

-- Daily rankings (天天比): for each day and level, the values of every
-- candidate (region, site or organization) as they stood at the end of
-- that day, year to date; ranks within a region are drawn from them when
-- read (domain::ranking). A day and level is written once, with its
-- marker row in ranking_days in the same transaction.
CREATE TABLE ranking_days (
    day        TEXT NOT NULL,
    level      TEXT NOT NULL,
    written_at INTEGER NOT NULL,
    candidates INTEGER NOT NULL,
    PRIMARY KEY (day, level)
) WITHOUT ROWID;

CREATE TABLE ranking_snapshots (
    day                 TEXT NOT NULL,
    level               TEXT NOT NULL,
    candidate           TEXT NOT NULL,
    region_path         TEXT NOT NULL,
    name                TEXT NOT NULL,
    hours               REAL NOT NULL,
    hours_per_volunteer REAL NOT NULL,
    active_volunteers   REAL NOT NULL,
    activities          REAL NOT NULL,
    closed_loops        REAL NOT NULL,
    satisfaction        REAL NOT NULL,
    PRIMARY KEY (day, level, candidate)
) WITHOUT ROWID;
CREATE INDEX ranking_snapshots_path ON ranking_snapshots (day, level, region_path);
