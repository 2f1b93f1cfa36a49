-- Known answers of honeypot items, per criterion (JSON values, as labels hold them).
CREATE TABLE gold (
    item_id    INTEGER NOT NULL REFERENCES items (id),
    criterion  TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    PRIMARY KEY (item_id, criterion)
) WITHOUT ROWID;

-- Whether an assignment is a honeypot mixed into the rater's queue.
ALTER TABLE assignments ADD COLUMN honeypot INTEGER NOT NULL DEFAULT 0;
