-- The ordering loop (点单 → 派单 → 接单 → 评单): the items a site adds to
-- its menu, residents' orders with their whole history, the jobs table
-- that holds every deadline (and later every daily job), each user's inbox,
-- and the loop figures kept with every transition. States, actions, desks
-- and scopes are written by the application from the domain's types.

-- Where an organization is, for the distance part of dispatch suggestions.
ALTER TABLE organizations ADD COLUMN lat REAL;
ALTER TABLE organizations ADD COLUMN lon REAL;

CREATE TABLE menu_items (
    id          INTEGER PRIMARY KEY,
    site_id     INTEGER NOT NULL REFERENCES sites (id),
    title       TEXT NOT NULL,
    category    TEXT NOT NULL REFERENCES categories (code),
    description TEXT NOT NULL,
    added_by    INTEGER NOT NULL REFERENCES users (id),
    added_at    INTEGER NOT NULL,
    removed_at  INTEGER
);
CREATE INDEX menu_items_site ON menu_items (site_id);

CREATE TABLE orders (
    id                   INTEGER PRIMARY KEY,
    site_id              INTEGER NOT NULL REFERENCES sites (id),
    -- the site's region: scope checks and regional figures read it
    region_code          TEXT NOT NULL REFERENCES regions (code),
    county_code          TEXT NOT NULL,
    region_path          TEXT NOT NULL,
    category             TEXT NOT NULL REFERENCES categories (code),
    project_id           INTEGER REFERENCES projects (id),
    menu_item_id         INTEGER REFERENCES menu_items (id),
    content              TEXT NOT NULL,
    address              TEXT,
    lat                  REAL,
    lon                  REAL,
    wanted_from          INTEGER,
    wanted_to            INTEGER,
    -- the resident who ordered: absent when a site ordered for someone
    -- without an account, who is then reached by the contact below
    ordered_by           INTEGER REFERENCES users (id),
    placed_by            INTEGER NOT NULL REFERENCES users (id),
    on_behalf            BOOLEAN NOT NULL,
    contact_name         TEXT,
    contact_phone_hash   BLOB,
    contact_phone_sealed TEXT,
    state                TEXT NOT NULL,
    desk                 TEXT NOT NULL,
    waiting_since        INTEGER NOT NULL,
    organization_id      INTEGER REFERENCES organizations (id),
    activity_id          INTEGER REFERENCES activities (id),
    placed_at            INTEGER NOT NULL,
    dispatched_at        INTEGER,
    accepted_at          INTEGER,
    completed_at         INTEGER,
    closed_at            INTEGER,
    overdue_at           INTEGER,
    rating               INTEGER,
    comment              TEXT,
    report               TEXT,
    -- raised by every transition: a writer that read another version lost a race
    version              INTEGER NOT NULL
);
CREATE INDEX orders_site_state ON orders (site_id, state);
CREATE INDEX orders_path ON orders (region_path);
CREATE INDEX orders_organization ON orders (organization_id, state);
CREATE INDEX orders_ordered_by ON orders (ordered_by);

CREATE TABLE order_events (
    id              INTEGER PRIMARY KEY,
    order_id        INTEGER NOT NULL REFERENCES orders (id),
    at              INTEGER NOT NULL,
    action          TEXT NOT NULL,
    from_state      TEXT,
    to_state        TEXT NOT NULL,
    actor_user      INTEGER REFERENCES users (id),
    party           TEXT NOT NULL,
    organization_id INTEGER REFERENCES organizations (id),
    desk            TEXT NOT NULL,
    note            TEXT NOT NULL
);
CREATE INDEX order_events_order ON order_events (order_id, id);
CREATE INDEX order_events_organization ON order_events (organization_id, order_id);

-- Work the server does at a time: claimed in a transaction that also does
-- it and marks it done, so that it runs once however many processes look.
CREATE TABLE jobs (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL,
    subject_id INTEGER NOT NULL,
    due_at     INTEGER NOT NULL,
    done_at    INTEGER,
    done_by    TEXT,
    outcome    TEXT
);
CREATE INDEX jobs_due ON jobs (due_at) WHERE done_at IS NULL;
CREATE INDEX jobs_subject ON jobs (kind, subject_id);

CREATE TABLE inbox (
    id       INTEGER PRIMARY KEY,
    user_id  INTEGER NOT NULL REFERENCES users (id),
    at       INTEGER NOT NULL,
    kind     TEXT NOT NULL,
    order_id INTEGER REFERENCES orders (id),
    read_at  INTEGER
);
CREATE INDEX inbox_user ON inbox (user_id, id);

-- Loop figures per scope ('organization', 'site' or 'region' with its
-- id or code) and China day ('' for all time), added to by each
-- transition in its own transaction.
CREATE TABLE order_figures (
    scope            TEXT NOT NULL,
    scope_key        TEXT NOT NULL,
    day              TEXT NOT NULL,
    placed           INTEGER NOT NULL DEFAULT 0,
    dispatched       INTEGER NOT NULL DEFAULT 0,
    accepted         INTEGER NOT NULL DEFAULT 0,
    refused          INTEGER NOT NULL DEFAULT 0,
    timed_out        INTEGER NOT NULL DEFAULT 0,
    completed        INTEGER NOT NULL DEFAULT 0,
    evaluated        INTEGER NOT NULL DEFAULT 0,
    closed_unrated   INTEGER NOT NULL DEFAULT 0,
    cancelled        INTEGER NOT NULL DEFAULT 0,
    expired          INTEGER NOT NULL DEFAULT 0,
    escalated        INTEGER NOT NULL DEFAULT 0,
    open_orders      INTEGER NOT NULL DEFAULT 0,
    rating_sum       INTEGER NOT NULL DEFAULT 0,
    dispatch_minutes INTEGER NOT NULL DEFAULT 0,
    answer_minutes   INTEGER NOT NULL DEFAULT 0,
    answered         INTEGER NOT NULL DEFAULT 0,
    complete_minutes INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (scope, scope_key, day)
);
