-- Award campaigns (表彰) and their nominations. A nomination enters at its
-- nominee's county (or city, or province), keeps the county and city whose
-- quotas it counts against, and the time each level passed it on; the
-- campaign row is locked while a level passes one on, so quotas hold.
-- Kinds and stages are written by the application from the domain's types.

CREATE TABLE award_campaigns (
    id             INTEGER PRIMARY KEY,
    title          TEXT NOT NULL,
    kind           TEXT NOT NULL,
    year           INTEGER NOT NULL,
    region_code    TEXT NOT NULL REFERENCES regions (code),
    region_path    TEXT NOT NULL,
    county_quota   INTEGER NOT NULL,
    city_quota     INTEGER NOT NULL,
    province_quota INTEGER NOT NULL,
    nominate_until TEXT NOT NULL,
    published_at   INTEGER,
    created_by     INTEGER NOT NULL REFERENCES users (id),
    created_at     INTEGER NOT NULL
);

CREATE TABLE award_nominations (
    id               INTEGER PRIMARY KEY,
    campaign_id      INTEGER NOT NULL REFERENCES award_campaigns (id),
    nominee_id       TEXT NOT NULL,
    nominee_name     TEXT NOT NULL,
    region_path      TEXT NOT NULL,
    county_code      TEXT,
    city_code        TEXT,
    stage            TEXT NOT NULL,
    reason           TEXT NOT NULL,
    nominated_by     INTEGER NOT NULL REFERENCES users (id),
    nominated_at     INTEGER NOT NULL,
    county_passed_at INTEGER,
    city_passed_at   INTEGER,
    awarded_at       INTEGER,
    UNIQUE (campaign_id, nominee_id)
);
CREATE INDEX award_nominations_nominee ON award_nominations (nominee_id, stage);
