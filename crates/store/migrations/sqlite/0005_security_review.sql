-- What a security review asked for (docs/security.md).
--
-- Hours entered by hand (and honor hours) count only after a region
-- administrator's second approval: the organization's first approval is
-- kept on the record until then. entered_by now also names the organizer
-- who signed a volunteer in or out by hand.
ALTER TABLE service_records ADD COLUMN first_approved_by INTEGER;
ALTER TABLE service_records ADD COLUMN first_approved_at INTEGER;

-- Activation codes: eight characters, 72 hours, void after five wrong tries
-- (the count is kept here, so that neither a restart nor a second server
-- process resets it).
ALTER TABLE users ADD COLUMN activation_attempts INTEGER NOT NULL DEFAULT 0;

-- Counters of tries (logins, activation codes, registrations, appeals...)
-- per key in a fixed window, kept here so that a restart or a second
-- server process does not reset them. The key is a keyed hash of what is
-- counted (a phone number and address, say), never the value itself.
CREATE TABLE throttle_counters (
    key          BLOB PRIMARY KEY,
    window_start INTEGER NOT NULL,
    count        INTEGER NOT NULL
);
CREATE INDEX throttle_counters_window ON throttle_counters (window_start);

-- An identity appeal is bound to the record that held the ID number when it
-- was filed: administrators over that record's region resolve it, and
-- upholding it releases the number from that record only.
ALTER TABLE id_appeals ADD COLUMN holder_volunteer_id INTEGER;
ALTER TABLE id_appeals ADD COLUMN holder_region_code TEXT;
ALTER TABLE id_appeals ADD COLUMN holder_region_path TEXT;
ALTER TABLE id_appeals ADD COLUMN filed_by INTEGER;
UPDATE id_appeals SET
    holder_volunteer_id = (SELECT v.id FROM volunteers v WHERE v.id_hash = id_appeals.id_hash),
    holder_region_code = (SELECT v.region_code FROM volunteers v WHERE v.id_hash = id_appeals.id_hash),
    holder_region_path = (SELECT v.region_path FROM volunteers v WHERE v.id_hash = id_appeals.id_hash);
CREATE INDEX id_appeals_holder_path ON id_appeals (holder_region_path);

-- The birth date is part of the sealed ID number and no longer kept in
-- clear: the birth year suffices for age bands and the elderly share, and
-- the date is read from the ID number where it is needed (age limits of a
-- sign-up). ID numbers are masked to their first and last characters.
ALTER TABLE volunteers ADD COLUMN birth_year INTEGER NOT NULL DEFAULT 0;
UPDATE volunteers SET birth_year = CAST(substr(birth_date, 1, 4) AS INTEGER);
ALTER TABLE volunteers DROP COLUMN birth_date;
UPDATE volunteers SET id_masked = substr(id_masked, 1, 1) || '****************' || substr(id_masked, 18, 1)
    WHERE length(id_masked) = 18;

-- The hours ledger, keyed: each entry's MAC (HMAC-SHA-256, with a key kept
-- in the key file, not in the database) covers its fields, among them all a
-- certificate prints about a record, and the previous entry's MAC. Entries
-- are only ever added: the triggers below refuse to change or delete one.
-- The unkeyed entries of ledger_entries are moved here, chain by chain, by
-- Store::migrate (which has the key); that table is then left empty.
CREATE TABLE hours_ledger (
    id              INTEGER PRIMARY KEY,
    volunteer_id    INTEGER NOT NULL REFERENCES volunteers (id),
    seq             INTEGER NOT NULL,
    record_id       INTEGER NOT NULL REFERENCES service_records (id),
    activity_id     INTEGER NOT NULL,
    service_day     TEXT NOT NULL,
    from_at         INTEGER NOT NULL,
    to_at           INTEGER NOT NULL,
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
CREATE INDEX hours_ledger_record ON hours_ledger (record_id);
CREATE TRIGGER hours_ledger_no_update BEFORE UPDATE ON hours_ledger
BEGIN
    SELECT RAISE(ABORT, 'the hours ledger is append-only');
END;
CREATE TRIGGER hours_ledger_no_delete BEFORE DELETE ON hours_ledger
BEGIN
    SELECT RAISE(ABORT, 'the hours ledger is append-only');
END;
