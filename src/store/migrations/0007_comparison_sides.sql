-- Which candidate of a comparison a rater saw on the left. Stored values stay in the
-- candidates' own terms (`a` is the first candidate); this lets reports measure
-- position bias. One row per (item, rater), written when the item is first shown (or
-- imported with the side it was shown on) and never changed.
CREATE TABLE comparison_sides (
    item_id         INTEGER NOT NULL REFERENCES items (id),
    rater           TEXT    NOT NULL,
    left_candidate  TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (item_id, rater)
) WITHOUT ROWID;
