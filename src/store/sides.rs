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
}
