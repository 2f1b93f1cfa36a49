//! Items: insert, update on request, look up.

use rusqlite::{Row, params};
use serde_json::Map;

use super::{Store, StoreError, Tx, now_ms, optional, parse_json};
use crate::model::Item;

/// What to do when an imported id already exists with different content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnConflict {
    #[default]
    Error,
    Skip,
    Update,
}

/// What became of one imported item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Upsert {
    Inserted,
    /// Same id, same content: nothing to do.
    Unchanged,
    Updated,
    Skipped,
    /// Same id, different content, and `OnConflict::Error`.
    Conflict {
        dataset: String,
        source: String,
    },
}

const ITEM_COLUMNS: &str = "id, external_id, dataset, input, output, reference, context, metadata, judge";

fn item_from_row(row: &Row) -> rusqlite::Result<(i64, Item, [String; 3])> {
    Ok((
        row.get(0)?,
        Item {
            id: row.get(1)?,
            dataset: row.get(2)?,
            input: row.get(3)?,
            output: row.get(4)?,
            reference: row.get(5)?,
            context: Vec::new(),
            metadata: Map::new(),
            judge: Map::new(),
        },
        [row.get(6)?, row.get(7)?, row.get(8)?],
    ))
}

fn decode((id, mut item, [context, metadata, judge]): (i64, Item, [String; 3])) -> Result<(i64, Item), StoreError> {
    item.context = parse_json("items.context", &context)?;
    item.metadata = parse_json("items.metadata", &metadata)?;
    item.judge = parse_json("items.judge", &judge)?;
    Ok((id, item))
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    // Strings, string lists and JSON maps always serialise.
    serde_json::to_string(value).unwrap_or_default()
}

impl Tx<'_> {
    /// Inserts `item`, or decides what to do when its id exists. `source` and `line` say
    /// where it came from.
    pub fn upsert_item(
        &self,
        item: &Item,
        source: &str,
        line: u64,
        on_conflict: OnConflict,
    ) -> Result<Upsert, StoreError> {
        let hash = item.content_hash();
        let existing = optional(
            self.tx
                .prepare_cached(
                    "SELECT content_hash, dataset, coalesce(source_file, '') || ':' || coalesce(source_line, '')
             FROM items WHERE external_id = ?1",
                )?
                .query_row([&item.id], |row| {
                    Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?, row.get::<_, String>(2)?))
                }),
        )?;
        let context = to_json(&item.context);
        let metadata = to_json(&item.metadata);
        let judge = to_json(&item.judge);
        match existing {
            None => {
                self.tx
                    .prepare_cached(
                        "INSERT INTO items (external_id, dataset, input, output, reference, context, metadata,
                                            judge, content_hash, source_file, source_line, imported_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                    )?
                    .execute(params![
                        item.id,
                        item.dataset,
                        item.input,
                        item.output,
                        item.reference,
                        context,
                        metadata,
                        judge,
                        hash,
                        source,
                        line as i64,
                        now_ms()
                    ])?;
                Ok(Upsert::Inserted)
            }
            Some((existing_hash, _, _)) if existing_hash == hash => Ok(Upsert::Unchanged),
            Some((_, dataset, origin)) => match on_conflict {
                OnConflict::Error => Ok(Upsert::Conflict { dataset, source: origin }),
                OnConflict::Skip => Ok(Upsert::Skipped),
                OnConflict::Update => {
                    self.tx
                        .prepare_cached(
                            "UPDATE items SET input = ?2, output = ?3, reference = ?4, context = ?5, metadata = ?6,
                                              judge = ?7, content_hash = ?8, source_file = ?9, source_line = ?10
                             WHERE external_id = ?1",
                        )?
                        .execute(params![
                            item.id,
                            item.input,
                            item.output,
                            item.reference,
                            context,
                            metadata,
                            judge,
                            hash,
                            source,
                            line as i64
                        ])?;
                    Ok(Upsert::Updated)
                }
            },
        }
    }

    pub fn item_id(&self, external_id: &str) -> Result<Option<i64>, StoreError> {
        optional(
            self.tx
                .prepare_cached("SELECT id FROM items WHERE external_id = ?1")?
                .query_row([external_id], |row| row.get(0)),
        )
    }
}

impl Store {
    /// Store ids of the items in `dataset` (all items when `None`), by external id.
    pub fn item_ids(&self, dataset: Option<&str>) -> Result<Vec<i64>, StoreError> {
        let mut statement =
            self.conn.prepare_cached("SELECT id FROM items WHERE ?1 IS NULL OR dataset = ?1 ORDER BY external_id")?;
        let ids = statement.query_map([dataset], |row| row.get(0))?.collect::<Result<_, _>>()?;
        Ok(ids)
    }

    pub fn item(&self, item_id: i64) -> Result<Item, StoreError> {
        let row = self
            .conn
            .prepare_cached(&format!("SELECT {ITEM_COLUMNS} FROM items WHERE id = ?1"))?
            .query_row([item_id], item_from_row)?;
        Ok(decode(row)?.1)
    }

    pub fn item_by_external_id(&self, external_id: &str) -> Result<Option<(i64, Item)>, StoreError> {
        let row = optional(
            self.conn
                .prepare_cached(&format!("SELECT {ITEM_COLUMNS} FROM items WHERE external_id = ?1"))?
                .query_row([external_id], item_from_row),
        )?;
        row.map(decode).transpose()
    }
}
