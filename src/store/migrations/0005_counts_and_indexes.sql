-- Indexes and counters so that imports and `status` cost the same on any store.

-- Which batches assign an item to a rater (`labels import` confirms them per row,
-- `import --on-conflict update` reopens them): without it, a scan of every assignment.
CREATE INDEX assignments_by_item ON assignments (item_id, rater);

-- Store-wide counts kept exact by the triggers below, in the writing transaction, so
-- that `status` reads them instead of scanning every item and label event.
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    n     INTEGER NOT NULL
) WITHOUT ROWID;

-- Every rater who has a label event, and whether any of their events came from a golden
-- set (`golden import` marks the source `golden:FILE:LINE`).
CREATE TABLE label_raters (
    name    TEXT PRIMARY KEY,
    golden  INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

INSERT INTO counters (name, n) VALUES ('items', (SELECT count(*) FROM items));
INSERT INTO counters (name, n) VALUES ('label_events', (SELECT count(*) FROM label_events));
-- Current labels: the newest event per item, rater, criterion and rubric name (by time,
-- then id), unless it retracted the label.
INSERT INTO counters (name, n) VALUES ('labels', (
    SELECT count(*) FROM (SELECT e.value, row_number() OVER (PARTITION BY e.item_id, e.rater, e.criterion, r.name
                                  ORDER BY e.created_at DESC, e.id DESC) AS newest
                          FROM label_events e JOIN rubrics r ON r.id = e.rubric_id)
    WHERE newest = 1 AND value IS NOT NULL));
INSERT INTO label_raters (name, golden)
    SELECT rater, max(substr(source, 1, 7) = 'golden:') FROM label_events GROUP BY rater;

CREATE TRIGGER items_count_insert AFTER INSERT ON items
BEGIN UPDATE counters SET n = n + 1 WHERE name = 'items'; END;
CREATE TRIGGER items_count_delete AFTER DELETE ON items
BEGIN UPDATE counters SET n = n - 1 WHERE name = 'items'; END;

-- label_events is append-only, so an insert is the only change to follow. A new event
-- changes the count of current labels only if it is newer than the label's newest
-- event so far (events merged from another store keep their own, older, times). Written
-- with EXISTS rather than ORDER BY ... LIMIT 1, which would build a temporary b-tree
-- for every inserted label.
CREATE TRIGGER label_events_count AFTER INSERT ON label_events
BEGIN
    UPDATE counters SET n = n + 1 WHERE name = 'label_events';
    UPDATE counters SET n = n + CASE
        WHEN EXISTS (SELECT 1 FROM label_events q JOIN rubrics r ON r.id = q.rubric_id
                     WHERE q.item_id = NEW.item_id AND q.rater = NEW.rater AND q.criterion = NEW.criterion
                       AND q.id <> NEW.id AND r.name = (SELECT name FROM rubrics WHERE id = NEW.rubric_id)
                       AND (q.created_at > NEW.created_at OR (q.created_at = NEW.created_at AND q.id > NEW.id)))
        THEN 0
        ELSE (NEW.value IS NOT NULL) - coalesce((
            SELECT p.value IS NOT NULL FROM label_events p JOIN rubrics r ON r.id = p.rubric_id
            WHERE p.item_id = NEW.item_id AND p.rater = NEW.rater AND p.criterion = NEW.criterion
              AND p.id <> NEW.id AND r.name = (SELECT name FROM rubrics WHERE id = NEW.rubric_id)
              AND NOT EXISTS (SELECT 1 FROM label_events q JOIN rubrics s ON s.id = q.rubric_id
                              WHERE q.item_id = p.item_id AND q.rater = p.rater AND q.criterion = p.criterion
                                AND q.id <> NEW.id AND s.name = r.name
                                AND (q.created_at > p.created_at OR (q.created_at = p.created_at AND q.id > p.id)))
        ), 0)
    END
    WHERE name = 'labels';
    INSERT OR IGNORE INTO label_raters (name, golden) VALUES (NEW.rater, 0);
    UPDATE label_raters SET golden = 1
    WHERE name = NEW.rater AND golden = 0 AND substr(NEW.source, 1, 7) = 'golden:';
END;
