//! Which candidate of a comparison each rater saw on the left (migration 0007).

use rusqlite::params;

use super::{Store, StoreError, Tx, now_ms, optional};

/// One rater's view of one comparison item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Side {
    pub item_id: i64,
    pub rater: String,
    /// The id of the candidate shown on the left.
    pub left: String,
}

impl Tx<'_> {
    /// Records that `rater` saw `left` on the left of `item_id`. The first record stands:
    /// a later one is ignored, and the return value says whether this one was new.
    pub fn record_side(&self, item_id: i64, rater: &str, left: &str) -> Result<bool, StoreError> {
        let added = self
            .tx
            .prepare_cached(
                "INSERT OR IGNORE INTO comparison_sides (item_id, rater, left_candidate, created_at)
                 VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![item_id, rater, left, now_ms()])?;
        Ok(added == 1)
    }
}

impl Store {
    /// The candidate `rater` saw on the left of `item_id`, if recorded.
    pub fn side(&self, item_id: i64, rater: &str) -> Result<Option<String>, StoreError> {
        optional(
            self.conn
                .prepare_cached("SELECT left_candidate FROM comparison_sides WHERE item_id = ?1 AND rater = ?2")?
                .query_row(params![item_id, rater], |row| row.get(0)),
        )
    }

    /// The comparison items of `rater`'s queue in `batch_id`, in queue order, each with
    /// the candidate the rater was shown on the left, when recorded: what the label
    /// screen needs to place each pair, read once when it opens.
    pub fn queue_sides(&self, batch_id: i64, rater: &str) -> Result<Vec<(i64, Option<String>)>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT a.item_id, s.left_candidate FROM assignments a JOIN items i ON i.id = a.item_id
             LEFT JOIN comparison_sides s ON s.item_id = a.item_id AND s.rater = a.rater
             WHERE a.batch_id = ?1 AND a.rater = ?2 AND i.shape IS NOT NULL
               AND json_type(i.shape, '$.candidates') = 'array'
             ORDER BY a.position",
        )?;
        let rows = statement.query_map(params![batch_id, rater], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every recorded side, by item then rater.
    pub fn sides(&self) -> Result<Vec<Side>, StoreError> {
        let mut statement = self
            .conn
            .prepare_cached("SELECT item_id, rater, left_candidate FROM comparison_sides ORDER BY item_id, rater")?;
        let rows =
            statement.query_map([], |row| Ok(Side { item_id: row.get(0)?, rater: row.get(1)?, left: row.get(2)? }))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Item;
    use crate::store::OnConflict;

    #[test]
    fn the_first_side_shown_stands() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::create(&dir.path().join("t.db")).unwrap();
        let item = Item { id: "p1".into(), dataset: "d".into(), ..Item::default() };
        let added = store
            .write(|tx| {
                tx.upsert_item(&item, "f", 1, OnConflict::Error)?;
                let first = tx.record_side(1, "ana", "v2")?;
                let again = tx.record_side(1, "ana", "v1")?;
                Ok::<_, StoreError>((first, again))
            })
            .unwrap();
        assert_eq!(added, (true, false));
        assert_eq!(store.side(1, "ana").unwrap().as_deref(), Some("v2"));
        assert_eq!(store.side(1, "ben").unwrap(), None);
        assert_eq!(store.sides().unwrap(), [Side { item_id: 1, rater: "ana".into(), left: "v2".into() }]);
    }

    #[test]
    fn a_queue_lists_its_comparisons_in_order_with_their_recorded_sides() {
        use crate::model::comparison::Candidate;
        use crate::model::{Rubric, Shape};
        use crate::store::NewBatch;
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::create(&dir.path().join("t.db")).unwrap();
        let pair = |id: &str| Item {
            id: id.into(),
            dataset: "d".into(),
            shape: Shape::Comparison {
                candidates: vec![
                    Candidate { id: "v1".into(), output: "one".into(), ..Candidate::default() },
                    Candidate { id: "v2".into(), output: "two".into(), ..Candidate::default() },
                ],
            },
            ..Item::default()
        };
        let rubric = Rubric::from_toml(
            "name = \"p\"\nversion = 1\n[[criteria]]\nid = \"better\"\nkind = \"preference\"\n",
            "p.toml",
        )
        .unwrap();
        store
            .write(|tx| {
                tx.upsert_item(&pair("p1"), "f", 1, OnConflict::Error)?;
                tx.upsert_item(
                    &Item { id: "s1".into(), dataset: "d".into(), ..Item::default() },
                    "f",
                    2,
                    OnConflict::Error,
                )?;
                tx.upsert_item(&pair("p2"), "f", 3, OnConflict::Error)?;
                let (rubric_id, _) = tx.add_rubric(&rubric, "p.toml", "")?;
                // ana's queue puts p2 first; the single item is not a comparison.
                let queues = [("ana", vec![(3, false), (2, false), (1, false)]), ("ben", vec![(1, false)])];
                tx.create_batch(&NewBatch {
                    name: "b",
                    rubric_id,
                    dataset: None,
                    overlap: 1,
                    seed: 1,
                    items: &[1, 2, 3],
                    queues: &queues,
                })?;
                tx.record_side(1, "ana", "v2")?;
                tx.record_side(3, "ben", "v2")?;
                Ok::<_, StoreError>(())
            })
            .unwrap();
        assert_eq!(store.queue_sides(1, "ana").unwrap(), [(3, None), (1, Some("v2".to_string()))]);
        assert_eq!(store.queue_sides(1, "ben").unwrap(), [(1, None)]);
        assert_eq!(store.queue_sides(1, "cy").unwrap(), []);
    }
}
