-- Statistics rollups (store/src/statistics.rs; what each fact adds is
-- domain::statistics). Every change is added to the region it concerns
-- and to each region above it, once for its day (span 'd', period
-- YYYY-MM-DD) and once for its month (span 'm', period YYYY-MM), in the
-- transaction of the change, so a province's figures read as few rows as
-- a village's. They replace region_day_totals, which nothing read.
-- A database migrated from an earlier version fills them with
-- `zhiyuan rollups rebuild`.
DROP TABLE region_day_totals;

CREATE TABLE region_figures (
    region_code     TEXT COLLATE "C" NOT NULL,
    span            TEXT NOT NULL,
    period          TEXT COLLATE "C" NOT NULL,
    volunteers      BIGINT NOT NULL DEFAULT 0,
    new_volunteers  BIGINT NOT NULL DEFAULT 0,
    party_members   BIGINT NOT NULL DEFAULT 0,
    elderly         BIGINT NOT NULL DEFAULT 0,
    rural           BIGINT NOT NULL DEFAULT 0,
    organizations   BIGINT NOT NULL DEFAULT 0,
    projects        BIGINT NOT NULL DEFAULT 0,
    activities      BIGINT NOT NULL DEFAULT 0,
    credit_minutes  BIGINT NOT NULL DEFAULT 0,
    honor_minutes   BIGINT NOT NULL DEFAULT 0,
    records         BIGINT NOT NULL DEFAULT 0,
    closed_loops    BIGINT NOT NULL DEFAULT 0,
    closed_unrated  BIGINT NOT NULL DEFAULT 0,
    rating_sum      BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (region_code, span, period)
);

-- Effective records per volunteer and month of service: a month is a
-- month of service while its row exists (rows at 0 are deleted).
CREATE TABLE volunteer_months (
    volunteer_id BIGINT NOT NULL REFERENCES volunteers (id),
    month        TEXT COLLATE "C" NOT NULL,
    records      BIGINT NOT NULL,
    PRIMARY KEY (volunteer_id, month)
);

-- Volunteers (by home region, and each region above it) who served in a
-- month, by the month they served in before ('' for none): a period's
-- active volunteers are those of its months whose previous month lies
-- before the period (domain::statistics::active_volunteers).
CREATE TABLE active_months (
    region_code    TEXT COLLATE "C" NOT NULL,
    month          TEXT COLLATE "C" NOT NULL,
    previous_month TEXT COLLATE "C" NOT NULL,
    volunteers     BIGINT NOT NULL,
    PRIMARY KEY (region_code, month, previous_month)
);
