-- Volunteer stories (志愿故事) about an activity, with their review state
-- (written by the application from the domain's types) and their photos,
-- stored already resized and re-encoded (no EXIF) in the database so that
-- a backup holds them.

CREATE TABLE stories (
    id              INTEGER PRIMARY KEY,
    activity_id     INTEGER NOT NULL REFERENCES activities (id),
    organization_id INTEGER NOT NULL REFERENCES organizations (id),
    region_path     TEXT NOT NULL,
    title           TEXT NOT NULL,
    body            TEXT NOT NULL,
    state           TEXT NOT NULL,
    review_note     TEXT NOT NULL,
    photos          INTEGER NOT NULL,
    written_by      INTEGER NOT NULL REFERENCES users (id),
    written_at      INTEGER NOT NULL,
    reviewed_by     INTEGER REFERENCES users (id),
    reviewed_at     INTEGER
);
CREATE INDEX stories_activity ON stories (activity_id, state);
CREATE INDEX stories_state_path ON stories (state, region_path);

CREATE TABLE story_photos (
    story_id INTEGER NOT NULL REFERENCES stories (id),
    position INTEGER NOT NULL,
    jpeg     BLOB NOT NULL,
    PRIMARY KEY (story_id, position)
);
