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
    /// Replace the content of items nobody has labeled; a labeled item is left as it is
    /// ([`Upsert::Labeled`]): raters judged what they saw, not the new content.
    Update,
    /// Replace the content of labeled items too; their labels stand for the new content.
    UpdateKeepLabels,
    /// Replace the content of labeled items too; their labels and adjudications are
    /// withdrawn as stale (kept in the history, with the old content's hash in the
    /// withdrawal's comment) and their confirms reopened, so reports leave them out and
    /// the items go back to their raters.
    UpdateStaleLabels,
}

/// One judged item as [`Store::each_judged`] reads it.
#[derive(Debug, Clone, Copy)]
pub struct JudgedRow<'a> {
    pub id: i64,
    /// The item without texts or judge, when metadata was asked for.
    pub item: Option<&'a Item>,
    /// The judge's value of each key asked for, as JSON text; `None` when the key is absent.
    pub scores: &'a [Option<&'a str>],
}

/// What became of one imported item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Upsert {
    Inserted,
    /// Same id, same content: nothing to do.
    Unchanged,
    Updated,
    /// Updated an item that had `labels` current labels and adjudications: kept, or
    /// withdrawn as stale.
    UpdatedLabeled {
        labels: u64,
        stale: bool,
    },
    /// Same id, different content, `OnConflict::Update`, and the item has `labels`
    /// current labels and adjudications: nothing changed.
    Labeled {
        labels: u64,
    },
    Skipped,
    /// Same id, different content, and `OnConflict::Error`.
    Conflict {
        dataset: String,
        source: String,
    },
}

/// The current labels of the item with external id `?1`: (rater, criterion, rubric id).
const STANDING_LABELS: &str = "SELECT rater, criterion, rubric_id FROM (
        SELECT e.rater, e.criterion, e.rubric_id, e.value, row_number() OVER (PARTITION BY e.rater, e.criterion, r.name
               ORDER BY e.created_at DESC, e.id DESC) AS newest
        FROM label_events e JOIN rubrics r ON r.id = e.rubric_id
        WHERE e.item_id = (SELECT id FROM items WHERE external_id = ?1))
    WHERE newest = 1 AND value IS NOT NULL";

/// The standing adjudications of the item with external id `?1`: (criterion, rubric id).
const STANDING_ADJUDICATIONS: &str = "SELECT criterion, rubric_id FROM (
        SELECT a.criterion, a.rubric_id, a.value, row_number() OVER (PARTITION BY a.criterion, r.name
               ORDER BY a.created_at DESC, a.id DESC) AS newest
        FROM adjudications a JOIN rubrics r ON r.id = a.rubric_id
        WHERE a.item_id = (SELECT id FROM items WHERE external_id = ?1))
    WHERE newest = 1 AND value IS NOT NULL";

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
            Some((old_hash, dataset, origin)) => match on_conflict {
                OnConflict::Error => Ok(Upsert::Conflict { dataset, source: origin }),
                OnConflict::Skip => Ok(Upsert::Skipped),
                OnConflict::Update | OnConflict::UpdateKeepLabels | OnConflict::UpdateStaleLabels => {
                    let labels = self.standing_labels(&item.id)?;
                    if labels > 0 && on_conflict == OnConflict::Update {
                        return Ok(Upsert::Labeled { labels });
                    }
                    if labels > 0 && on_conflict == OnConflict::UpdateStaleLabels {
                        self.withdraw_as_stale(&item.id, &old_hash, &format!("import:{source}:{line}"))?;
                    }
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
                    if labels > 0 {
                        return Ok(Upsert::UpdatedLabeled {
                            labels,
                            stale: on_conflict == OnConflict::UpdateStaleLabels,
                        });
                    }
                    Ok(Upsert::Updated)
                }
            },
        }
    }

    /// How many current labels (any rater, criterion and rubric) and standing
    /// adjudications the item has.
    fn standing_labels(&self, external_id: &str) -> Result<u64, StoreError> {
        let labels: i64 = self
            .tx
            .prepare_cached(&format!("SELECT count(*) FROM ({STANDING_LABELS})"))?
            .query_row([external_id], |row| row.get(0))?;
        let adjudications: i64 = self
            .tx
            .prepare_cached(&format!("SELECT count(*) FROM ({STANDING_ADJUDICATIONS})"))?
            .query_row([external_id], |row| row.get(0))?;
        Ok((labels + adjudications) as u64)
    }

    /// Withdraws the item's current labels and adjudications (new events with no value,
    /// naming the content they were made on) and reopens its confirms: its content is
    /// about to change. `source` is where the change comes from.
    fn withdraw_as_stale(&self, external_id: &str, old_hash: &str, source: &str) -> Result<(), StoreError> {
        let Some(item_id) = self.item_id(external_id)? else {
            return Ok(());
        };
        let why =
            format!("stale: the item's content changed (labeled as content {})", &old_hash[..old_hash.len().min(16)]);
        let labels: Vec<(String, String, i64)> = self
            .tx
            .prepare_cached(&format!("SELECT rater, criterion, rubric_id FROM ({STANDING_LABELS})"))?
            .query_map([external_id], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
            .collect::<Result<_, _>>()?;
        for (rater, criterion, rubric_id) in labels {
            self.record_label(&super::NewLabel {
                item_id,
                rater: &rater,
                criterion: &criterion,
                value: None,
                comment: Some(&why),
                rubric_id,
                batch_id: None,
                duration_ms: None,
                source,
            })?;
        }
        let adjudications: Vec<(String, i64)> = self
            .tx
            .prepare_cached(&format!("SELECT criterion, rubric_id FROM ({STANDING_ADJUDICATIONS})"))?
            .query_map([external_id], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<Result<_, _>>()?;
        for (criterion, rubric_id) in adjudications {
            self.record_adjudication(&super::NewAdjudication {
                item_id,
                criterion: &criterion,
                value: None,
                rationale: &why,
                adjudicator: source,
                rubric_id,
            })?;
        }
        self.reopen_confirmed(item_id, &why)?;
        Ok(())
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

    /// An item without its texts (input, output, reference and context left empty): its
    /// id, dataset, metadata and judge scores, for reports that hold many items at once.
    pub fn item_scores(&self, item_id: i64) -> Result<Item, StoreError> {
        let row = self
            .conn
            .prepare_cached(
                "SELECT id, external_id, dataset, '', '', NULL, '[]', metadata, judge FROM items WHERE id = ?1",
            )?
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

    /// Calls `each` on every item in `dataset` (all when `None`) that carries judge scores,
    /// in id order, with the judge's value of each of `judge_keys` as JSON text (SQLite
    /// extracts them, so the judge object is never parsed here, nor a string made per
    /// item): what estimates over a whole dataset need, fast at a million items. The item
    /// (external id, dataset, metadata; no texts, no judge) is read only `with_metadata`,
    /// to slice by it. A key may not hold `"` (criterion ids never do).
    pub fn each_judged<E: From<StoreError>>(
        &self,
        dataset: Option<&str>,
        judge_keys: &[&str],
        with_metadata: bool,
        mut each: impl FnMut(JudgedRow<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        if let Some(key) = judge_keys.iter().find(|key| key.contains('"')) {
            return Err(StoreError::Invalid(format!("judge key `{key}`: a key with `\"` cannot be read")).into());
        }
        let extracts: String = (0..judge_keys.len()).map(|index| format!(", judge -> ?{}", index + 3)).collect();
        let sql = format!(
            "SELECT id, CASE WHEN ?2 THEN external_id END, dataset, CASE WHEN ?2 THEN metadata END{extracts}
             FROM items WHERE (?1 IS NULL OR dataset = ?1) AND judge <> '{{}}' ORDER BY id"
        );
        let mut statement = self.conn.prepare(&sql).map_err(StoreError::from)?;
        let paths: Vec<String> = judge_keys.iter().map(|key| format!("$.\"{key}\"")).collect();
        let mut values: Vec<&dyn rusqlite::ToSql> = vec![&dataset, &with_metadata];
        values.extend(paths.iter().map(|path| path as &dyn rusqlite::ToSql));
        let mut rows = statement.query(values.as_slice()).map_err(StoreError::from)?;
        while let Some(row) = rows.next().map_err(StoreError::from)? {
            let id: i64 = row.get(0).map_err(StoreError::from)?;
            let item = if with_metadata {
                let (external_id, dataset, metadata): (String, String, String) = (
                    row.get(1).map_err(StoreError::from)?,
                    row.get(2).map_err(StoreError::from)?,
                    row.get(3).map_err(StoreError::from)?,
                );
                Some(Item {
                    id: external_id,
                    dataset,
                    metadata: parse_json("items.metadata", &metadata)?,
                    ..Item::default()
                })
            } else {
                None
            };
            let scores = (0..judge_keys.len())
                .map(|index| row.get_ref(index + 4)?.as_str_or_null().map_err(rusqlite::Error::from))
                .collect::<Result<Vec<Option<&str>>, rusqlite::Error>>()
                .map_err(StoreError::from)?;
            each(JudgedRow { id, item: item.as_ref(), scores: &scores })?;
        }
        Ok(())
    }
}
