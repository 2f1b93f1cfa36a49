//! Raters' comments on their labels, for error analysis.

use rusqlite::params;

use super::{LabelScope, Store, StoreError};

/// The comment on a rater's current label of one criterion of an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelComment {
    pub item_id: i64,
    /// The item's external id.
    pub item: String,
    pub rater: String,
    pub criterion: String,
    pub comment: String,
}

impl Store {
    /// The non-blank comments on current labels (as [`Store::current_labels`] defines them:
    /// the newest event of each item, rater and criterion, unless it retracts), sorted by
    /// item, criterion and rater. A comment on a label since edited is gone with the label.
    pub fn label_comments(&self, scope: LabelScope) -> Result<Vec<LabelComment>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT item_id, external_id, rater, criterion, comment FROM (
                 SELECT e.item_id, i.external_id, e.rater, e.criterion, e.value, e.comment,
                        row_number() OVER (PARTITION BY e.item_id, e.rater, e.criterion ORDER BY e.created_at DESC, e.id DESC) AS newest
                 FROM label_events e
                 JOIN rubrics r ON r.id = e.rubric_id
                 JOIN items i ON i.id = e.item_id
                 WHERE r.name = ?1
                   AND (?2 IS NULL OR e.item_id IN (SELECT item_id FROM batch_items WHERE batch_id = ?2)))
             WHERE newest = 1 AND value IS NOT NULL AND trim(coalesce(comment, '')) <> ''
             ORDER BY external_id, criterion, rater",
        )?;
        let rows = statement.query_map(params![scope.rubric, scope.batch_id], |row| {
            Ok(LabelComment {
                item_id: row.get(0)?,
                item: row.get(1)?,
                rater: row.get(2)?,
                criterion: row.get(3)?,
                comment: row.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::Format;
    use crate::io::items::{ImportOptions, import};
    use crate::model::Rubric;
    use crate::store::NewLabel;
    use serde_json::json;

    const RUBRIC: &str = include_str!("../../guidelines/rag-answer-quality.toml");

    #[test]
    fn current_comments_only_on_a_real_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::create(&dir.path().join("tally.db")).unwrap();
        let items = "{\"id\": \"b\", \"output\": \"o2\"}\n{\"id\": \"a\", \"output\": \"o1\"}\n";
        import(&mut store, items.as_bytes(), Format::Jsonl, "items.jsonl", "ds", &ImportOptions::default()).unwrap();
        let rubric = Rubric::from_toml(RUBRIC, "r.toml").unwrap();
        let (rubric_id, _) = store.write(|tx| tx.add_rubric(&rubric, RUBRIC, "guide")).unwrap();
        let id = |external: &str| store.item_by_external_id(external).unwrap().unwrap().0;
        let (a, b) = (id("a"), id("b"));
        let (pass, fail) = (json!("pass"), json!("fail"));
        let label = |item_id, rater, value, comment| NewLabel {
            item_id,
            rater,
            criterion: "correct",
            value,
            comment,
            rubric_id,
            batch_id: None,
            duration_ms: None,
            source: "test",
        };
        let events = [
            label(b, "ana", Some(&fail), Some("made up fee")),
            label(a, "ben", Some(&pass), Some("close call")),
            // Edited without a comment: the old comment goes with the old value.
            label(a, "ben", Some(&fail), None),
            label(a, "ana", Some(&fail), Some("  ")),
            label(a, "chloe", Some(&fail), Some("wrong window")),
            // Retracted: its comment is gone too.
            label(b, "ben", Some(&fail), Some("retracted")),
            label(b, "ben", None, None),
        ];
        store.write(|tx| events.iter().try_for_each(|event| tx.record_label(event).map(|_| ()))).unwrap();
        drop(store);
        let store = Store::open(&dir.path().join("tally.db")).unwrap();
        let comments = store.label_comments(LabelScope { rubric: "rag-answer-quality", batch_id: None }).unwrap();
        let found: Vec<(&str, &str, &str)> =
            comments.iter().map(|c| (c.item.as_str(), c.rater.as_str(), c.comment.as_str())).collect();
        assert_eq!(found, [("a", "chloe", "wrong window"), ("b", "ana", "made up fee")]);
        assert_eq!(comments[0].item_id, a);
        assert_eq!(comments[0].criterion, "correct");
        assert!(store.label_comments(LabelScope { rubric: "other", batch_id: None }).unwrap().is_empty());
    }
}
