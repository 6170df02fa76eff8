-- Points (积分) and benefits (礼遇): each volunteer's balance beside their
-- hours, every change of it as an entry (a record's entries sum to what
-- it has earned), the units that offer benefits, the benefits with their
-- stock, and the redemptions with their one-time codes. Reasons and
-- decisions are written by the application from the domain's types.
-- Points count from this migration on: records effective before it earn
-- none (and give none back).

ALTER TABLE volunteer_totals ADD COLUMN points INTEGER NOT NULL DEFAULT 0;

CREATE TABLE points_entries (
    id            INTEGER PRIMARY KEY,
    volunteer_id  INTEGER NOT NULL REFERENCES volunteers (id),
    at            INTEGER NOT NULL,
    delta         INTEGER NOT NULL,
    reason        TEXT NOT NULL,
    -- the balance after this entry
    balance       INTEGER NOT NULL,
    record_id     INTEGER REFERENCES service_records (id),
    redemption_id INTEGER
);
CREATE INDEX points_entries_volunteer ON points_entries (volunteer_id, id);
CREATE INDEX points_entries_record ON points_entries (record_id) WHERE record_id IS NOT NULL;

CREATE TABLE benefit_providers (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    region_code TEXT NOT NULL REFERENCES regions (code),
    region_path TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (region_code, name)
);

CREATE TABLE benefits (
    id            INTEGER PRIMARY KEY,
    provider_id   INTEGER NOT NULL REFERENCES benefit_providers (id),
    title         TEXT NOT NULL,
    description   TEXT NOT NULL,
    region_code   TEXT NOT NULL REFERENCES regions (code),
    region_path   TEXT NOT NULL,
    stock         INTEGER NOT NULL,
    stock_left    INTEGER NOT NULL,
    points_cost   INTEGER NOT NULL,
    min_star      INTEGER NOT NULL,
    valid_from    TEXT NOT NULL,
    valid_to      TEXT NOT NULL,
    per_volunteer INTEGER NOT NULL,
    offered_by    INTEGER NOT NULL REFERENCES users (id),
    offered_at    INTEGER NOT NULL
);
CREATE INDEX benefits_path ON benefits (region_path, valid_to);
CREATE INDEX benefits_provider ON benefits (provider_id);

CREATE TABLE redemptions (
    id           INTEGER PRIMARY KEY,
    benefit_id   INTEGER NOT NULL REFERENCES benefits (id),
    volunteer_id INTEGER NOT NULL REFERENCES volunteers (id),
    code         TEXT NOT NULL UNIQUE,
    points       INTEGER NOT NULL,
    redeemed_at  INTEGER NOT NULL,
    checked_at   INTEGER,
    checked_by   INTEGER REFERENCES users (id)
);
CREATE INDEX redemptions_benefit_volunteer ON redemptions (benefit_id, volunteer_id);
CREATE INDEX redemptions_volunteer ON redemptions (volunteer_id, id);
