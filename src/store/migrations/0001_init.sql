-- tally schema, version 1.

CREATE TABLE items (
    id            INTEGER PRIMARY KEY,
    external_id   TEXT    NOT NULL UNIQUE,
    dataset       TEXT    NOT NULL,
    input         TEXT    NOT NULL,
    output        TEXT    NOT NULL,
    reference     TEXT,
    context       TEXT    NOT NULL,          -- JSON array of strings
    metadata      TEXT    NOT NULL,          -- JSON object, sorted keys
    judge         TEXT    NOT NULL,          -- JSON object, sorted keys
    content_hash  TEXT    NOT NULL,
    source_file   TEXT,
    source_line   INTEGER,
    imported_at   INTEGER NOT NULL           -- unix milliseconds
);
CREATE INDEX items_dataset ON items (dataset);

-- Every version of every rubric ever added, identified by its content hash.
CREATE TABLE rubrics (
    id           INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL,
    version      INTEGER NOT NULL,
    hash         TEXT    NOT NULL UNIQUE,
    source       TEXT    NOT NULL,           -- the TOML as written
    guidelines   TEXT    NOT NULL,           -- the Markdown guidelines text
    added_at     INTEGER NOT NULL,
    UNIQUE (name, version)
);

CREATE TABLE batches (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    rubric_id   INTEGER NOT NULL REFERENCES rubrics (id),
    dataset     TEXT,
    overlap     INTEGER NOT NULL CHECK (overlap >= 1),
    seed        INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE batch_items (
    batch_id  INTEGER NOT NULL REFERENCES batches (id),
    item_id   INTEGER NOT NULL REFERENCES items (id),
    position  INTEGER NOT NULL,
    PRIMARY KEY (batch_id, item_id)
) WITHOUT ROWID;

CREATE TABLE assignments (
    batch_id  INTEGER NOT NULL REFERENCES batches (id),
    rater     TEXT    NOT NULL,
    position  INTEGER NOT NULL,
    item_id   INTEGER NOT NULL REFERENCES items (id),
    PRIMARY KEY (batch_id, rater, position),
    UNIQUE (batch_id, rater, item_id)
) WITHOUT ROWID;

-- Append-only: an edit or an undo is a new event (value NULL retracts), never an
-- overwrite. The current label is the latest event for (item, rater, criterion).
CREATE TABLE label_events (
    id           INTEGER PRIMARY KEY,
    item_id      INTEGER NOT NULL REFERENCES items (id),
    rater        TEXT    NOT NULL,
    criterion    TEXT    NOT NULL,
    value        TEXT,                       -- JSON; NULL retracts the label
    comment      TEXT,
    rubric_id    INTEGER NOT NULL REFERENCES rubrics (id),
    batch_id     INTEGER REFERENCES batches (id),
    duration_ms  INTEGER,
    created_at   INTEGER NOT NULL,
    source       TEXT    NOT NULL            -- 'label' or 'import:FILE:LINE'
);
CREATE INDEX label_events_current ON label_events (item_id, rater, criterion, id);

-- What a rater did with an item as a whole. Only 'confirm' is written so far; the
-- others are allowed now because SQLite cannot widen a CHECK without a table rebuild.
CREATE TABLE item_events (
    id           INTEGER PRIMARY KEY,
    batch_id     INTEGER NOT NULL REFERENCES batches (id),
    item_id      INTEGER NOT NULL REFERENCES items (id),
    rater        TEXT    NOT NULL,
    action       TEXT    NOT NULL CHECK (action IN ('confirm', 'unconfirm', 'skip', 'flag', 'unflag')),
    duration_ms  INTEGER,
    created_at   INTEGER NOT NULL
);
CREATE INDEX item_events_by_rater ON item_events (batch_id, rater, item_id);

-- A lead's final value for (item, criterion); append-only, the latest wins.
CREATE TABLE adjudications (
    id           INTEGER PRIMARY KEY,
    item_id      INTEGER NOT NULL REFERENCES items (id),
    criterion    TEXT    NOT NULL,
    value        TEXT,
    rationale    TEXT,
    adjudicator  TEXT    NOT NULL,
    rubric_id    INTEGER NOT NULL REFERENCES rubrics (id),
    created_at   INTEGER NOT NULL
);
CREATE INDEX adjudications_current ON adjudications (item_id, criterion, id);

CREATE TRIGGER label_events_append_only_update BEFORE UPDATE ON label_events
BEGIN SELECT RAISE(ABORT, 'label_events is append-only'); END;
CREATE TRIGGER label_events_append_only_delete BEFORE DELETE ON label_events
BEGIN SELECT RAISE(ABORT, 'label_events is append-only'); END;
CREATE TRIGGER item_events_append_only_update BEFORE UPDATE ON item_events
BEGIN SELECT RAISE(ABORT, 'item_events is append-only'); END;
CREATE TRIGGER item_events_append_only_delete BEFORE DELETE ON item_events
BEGIN SELECT RAISE(ABORT, 'item_events is append-only'); END;
CREATE TRIGGER adjudications_append_only_update BEFORE UPDATE ON adjudications
BEGIN SELECT RAISE(ABORT, 'adjudications is append-only'); END;
CREATE TRIGGER adjudications_append_only_delete BEFORE DELETE ON adjudications
BEGIN SELECT RAISE(ABORT, 'adjudications is append-only'); END;
