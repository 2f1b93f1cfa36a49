//! Bringing another store's items, rubrics, batches, label events, item events (confirms,
//! skips, flags and their notes) and adjudications into this one, for raters who worked
//! offline on their own copy. Idempotent: an event already here (the same item, rater,
//! criterion, value, comment, rubric and time; for item events the same batch, item, rater,
//! action, note and time) is not added again, so merging twice changes nothing. Items match
//! by id and content hash, rubrics by hash, batches by name and rubric; an id or a rubric
//! version whose content differs is a conflict, reported and left alone together with the
//! events that depend on it.
//!
//! A batch this store lacks comes over whole (items, queues, honeypot answers), so work
//! done on it offline is not lost; a batch this store has keeps its own queues here (a
//! lead may have moved work since the copy was made).

use std::collections::HashMap;
use std::path::Path;

use rusqlite::{Connection, params};

use super::{OnConflict, Store, StoreError, Tx, Upsert, optional};
use crate::model::{Item, Rubric};

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct MergeSummary {
    pub items_added: u64,
    pub items_already_here: u64,
    pub rubrics_added: u64,
    pub rubrics_already_here: u64,
    pub label_events_added: u64,
    pub label_events_already_here: u64,
    pub adjudications_added: u64,
    pub adjudications_already_here: u64,
    pub batches_added: u64,
    pub batches_already_here: u64,
    /// Confirms, reopens, skips, flags and unflags (with their notes).
    pub item_events_added: u64,
    pub item_events_already_here: u64,
    /// Item events left out because their batch or item is in conflict (see `conflicts`).
    pub item_events_left_out: u64,
    /// What was not merged, and why.
    pub conflicts: Vec<String>,
    /// Events left out because their item or rubric is in conflict.
    pub events_left_out: u64,
}

impl Store {
    /// Merges the store at `other` into this one, in one transaction.
    pub fn merge_from(&mut self, other: &Path) -> Result<MergeSummary, StoreError> {
        let shown = other.display().to_string();
        let source = Store::open_source(other)?;
        let origin = format!("merge:{shown}");
        self.write(|tx| {
            let mut summary = MergeSummary::default();
            // Rubrics: by hash; a name and version with other content is a conflict.
            let mut rubric_ids: HashMap<i64, i64> = HashMap::new();
            let mut statement = source.prepare("SELECT id, name, version, hash, source, guidelines FROM rubrics")?;
            let rubrics: Vec<(i64, String, i64, String, String, String)> = statement
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?)))?
                .collect::<Result<_, _>>()?;
            for (id, name, version, hash, toml, guidelines) in rubrics {
                if let Some(here) =
                    optional(tx.tx.query_row("SELECT id FROM rubrics WHERE hash = ?1", [&hash], |row| row.get(0)))?
                {
                    rubric_ids.insert(id, here);
                    summary.rubrics_already_here += 1;
                    continue;
                }
                let clash: Option<i64> = optional(tx.tx.query_row(
                    "SELECT id FROM rubrics WHERE name = ?1 AND version = ?2",
                    params![name, version],
                    |row| row.get(0),
                ))?;
                let parsed = Rubric::from_toml(&toml, &format!("{shown}: rubric {name} v{version}"));
                match (clash, parsed) {
                    (Some(_), _) => summary.conflicts.push(format!(
                        "rubric `{name}` v{version}: different content here and in {shown}; its labels and item events were not merged"
                    )),
                    (None, Err(err)) => summary.conflicts.push(format!("{err}; its labels and item events were not merged")),
                    (None, Ok(rubric)) => {
                        let (here, _) = tx.add_rubric(&rubric, &toml, &guidelines)?;
                        rubric_ids.insert(id, here);
                        summary.rubrics_added += 1;
                    }
                }
            }
            // Items: by id and content hash.
            let mut item_ids: HashMap<i64, i64> = HashMap::new();
            let mut statement = source.prepare(
                "SELECT id, external_id, dataset, input, output, reference, context, metadata, judge, shape
                 FROM items ORDER BY id",
            )?;
            let rows = statement.query_map([], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, String>(4)?,
                    row.get::<_, Option<String>>(5)?,
                    row.get::<_, String>(6)?,
                    row.get::<_, String>(7)?,
                    row.get::<_, String>(8)?,
                    row.get::<_, Option<String>>(9)?,
                ))
            })?;
            for row in rows {
                let (id, external_id, dataset, input, output, reference, context, metadata, judge, shape) = row?;
                let item = Item {
                    id: external_id.clone(),
                    dataset,
                    input,
                    output,
                    reference,
                    context: super::parse_json("items.context", &context)?,
                    metadata: super::parse_json("items.metadata", &metadata)?,
                    judge: super::parse_json("items.judge", &judge)?,
                    shape: super::items::parse_shape(shape.as_deref())?,
                };
                match tx.upsert_item(&item, &origin, 0, OnConflict::Error)? {
                    Upsert::Inserted => summary.items_added += 1,
                    Upsert::Unchanged
                    | Upsert::Updated
                    | Upsert::UpdatedLabeled { .. }
                    | Upsert::Labeled { .. }
                    | Upsert::Skipped => summary.items_already_here += 1,
                    Upsert::Conflict { .. } => {
                            summary.conflicts.push(format!(
                            "item `{external_id}`: different content here and in {shown}; its labels and item events were not merged"
                        ));
                        continue;
                    }
                }
                if let Some(here) = tx.item_id(&external_id)? {
                    item_ids.insert(id, here);
                }
            }
            let batch_ids = merge_batches(tx, &source, &shown, &rubric_ids, &item_ids, &mut summary)?;
            // Label events, oldest first, each once.
            let mut statement = source.prepare(
                "SELECT e.item_id, e.rater, e.criterion, e.value, e.comment, e.rubric_id, b.name, e.duration_ms,
                        e.created_at, e.source
                 FROM label_events e LEFT JOIN batches b ON b.id = e.batch_id ORDER BY e.created_at, e.id",
            )?;
            let rows = statement.query_map([], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, Option<String>>(3)?,
                    row.get::<_, Option<String>>(4)?,
                    row.get::<_, i64>(5)?,
                    row.get::<_, Option<String>>(6)?,
                    row.get::<_, Option<i64>>(7)?,
                    row.get::<_, i64>(8)?,
                    row.get::<_, String>(9)?,
                ))
            })?;
            for row in rows {
                let (item, rater, criterion, value, comment, rubric, batch, duration, created_at, event_source) = row?;
                let (Some(&item), Some(&rubric)) = (item_ids.get(&item), rubric_ids.get(&rubric)) else {
                    summary.events_left_out += 1;
                    continue;
                };
                let exists: Option<i64> = optional(tx.tx.query_row(
                    "SELECT id FROM label_events WHERE item_id = ?1 AND rater = ?2 AND criterion = ?3
                       AND value IS ?4 AND comment IS ?5 AND rubric_id = ?6 AND created_at = ?7",
                    params![item, rater, criterion, value, comment, rubric, created_at],
                    |row| row.get(0),
                ))?;
                if exists.is_some() {
                    summary.label_events_already_here += 1;
                    continue;
                }
                let batch_id: Option<i64> = match batch {
                    Some(name) => {
                        optional(tx.tx.query_row("SELECT id FROM batches WHERE name = ?1", [name], |row| row.get(0)))?
                    }
                    None => None,
                };
                tx.tx.execute(
                    "INSERT INTO label_events (item_id, rater, criterion, value, comment, rubric_id, batch_id,
                                               duration_ms, created_at, source)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                    params![item, rater, criterion, value, comment, rubric, batch_id, duration, created_at, event_source],
                )?;
                summary.label_events_added += 1;
            }
            // Adjudications, the same way.
            let mut statement = source.prepare(
                "SELECT item_id, criterion, value, rationale, adjudicator, rubric_id, created_at
                 FROM adjudications ORDER BY created_at, id",
            )?;
            let rows = statement.query_map([], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, Option<String>>(2)?,
                    row.get::<_, Option<String>>(3)?,
                    row.get::<_, String>(4)?,
                    row.get::<_, i64>(5)?,
                    row.get::<_, i64>(6)?,
                ))
            })?;
            for row in rows {
                let (item, criterion, value, rationale, adjudicator, rubric, created_at) = row?;
                let (Some(&item), Some(&rubric)) = (item_ids.get(&item), rubric_ids.get(&rubric)) else {
                    summary.events_left_out += 1;
                    continue;
                };
                let exists: Option<i64> = optional(tx.tx.query_row(
                    "SELECT id FROM adjudications WHERE item_id = ?1 AND criterion = ?2 AND value IS ?3
                       AND adjudicator = ?4 AND rubric_id = ?5 AND created_at = ?6",
                    params![item, criterion, value, adjudicator, rubric, created_at],
                    |row| row.get(0),
                ))?;
                if exists.is_some() {
                    summary.adjudications_already_here += 1;
                    continue;
                }
                tx.tx.execute(
                    "INSERT INTO adjudications (item_id, criterion, value, rationale, adjudicator, rubric_id, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![item, criterion, value, rationale, adjudicator, rubric, created_at],
                )?;
                summary.adjudications_added += 1;
            }
            merge_item_events(tx, &source, &batch_ids, &item_ids, &mut summary)?;
            // Sides shown: the first record here stands, as it does when labeling.
            let mut statement = source.prepare("SELECT item_id, rater, left_candidate FROM comparison_sides")?;
            let rows = statement.query_map([], |row| {
                Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?, row.get::<_, String>(2)?))
            })?;
            for row in rows {
                let (item, rater, left) = row?;
                if let Some(&item) = item_ids.get(&item) {
                    tx.record_side(item, &rater, &left)?;
                }
            }
            Ok::<_, StoreError>(summary)
        })
    }
}

/// A batch as stored (in the source; `rubric` is a rubric id).
#[derive(Clone)]
struct BatchRow {
    id: i64,
    name: String,
    rubric: i64,
    dataset: Option<String>,
    overlap: i64,
    seed: i64,
    created_at: i64,
}

/// A batch of the source: its name, and its id here, or why it has none.
struct SourceBatch {
    name: String,
    here: Result<i64, String>,
}

/// Matches the source's batches to this store's by name and rubric, adding those this
/// store lacks. Returns, by source batch id, the batch here or why there is none.
fn merge_batches(
    tx: &Tx,
    source: &Connection,
    shown: &str,
    rubric_ids: &HashMap<i64, i64>,
    item_ids: &HashMap<i64, i64>,
    summary: &mut MergeSummary,
) -> Result<HashMap<i64, SourceBatch>, StoreError> {
    let mut batches = HashMap::new();
    let mut statement =
        source.prepare("SELECT id, name, rubric_id, dataset, overlap, seed, created_at FROM batches ORDER BY id")?;
    let rows: Vec<BatchRow> = statement
        .query_map([], |row| {
            Ok(BatchRow {
                id: row.get(0)?,
                name: row.get(1)?,
                rubric: row.get(2)?,
                dataset: row.get(3)?,
                overlap: row.get(4)?,
                seed: row.get(5)?,
                created_at: row.get(6)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    for row in rows {
        let name = row.name.clone();
        let rubric_here = rubric_ids.get(&row.rubric).copied();
        let here: Option<(i64, i64)> =
            optional(tx.tx.query_row("SELECT id, rubric_id FROM batches WHERE name = ?1", [&name], |row| {
                Ok((row.get(0)?, row.get(1)?))
            }))?;
        let matched = match (here, rubric_here) {
            (_, None) => Err(format!("batch `{name}`: its rubric in {shown} is in conflict")),
            (Some((here, here_rubric)), Some(rubric)) if here_rubric == rubric => {
                summary.batches_already_here += 1;
                Ok(here)
            }
            (Some(_), Some(_)) => Err(format!("batch `{name}`: under another rubric here than in {shown}")),
            (None, Some(rubric)) => {
                let added = add_batch(tx, source, &BatchRow { rubric, ..row.clone() }, item_ids)?;
                if added.is_ok() {
                    summary.batches_added += 1;
                }
                added.map_err(|reason| format!("batch `{name}`: {reason}"))
            }
        };
        batches.insert(row.id, SourceBatch { name, here: matched });
    }
    Ok(batches)
}

/// Copies a source batch (items, queues, honeypot answers) into this store under the
/// rubric `batch.rubric` (an id here), unless one of its items is in conflict (then the
/// reason).
fn add_batch(
    tx: &Tx,
    source: &Connection,
    batch: &BatchRow,
    item_ids: &HashMap<i64, i64>,
) -> Result<Result<i64, String>, StoreError> {
    let BatchRow { id, name, rubric, dataset, overlap, seed, created_at } = batch;
    let mut statement = source.prepare("SELECT item_id, position FROM batch_items WHERE batch_id = ?1")?;
    let items: Vec<(i64, i64)> =
        statement.query_map([id], |row| Ok((row.get(0)?, row.get(1)?)))?.collect::<Result<_, _>>()?;
    let mut statement =
        source.prepare("SELECT rater, position, item_id, honeypot FROM assignments WHERE batch_id = ?1")?;
    let queues: Vec<(String, i64, i64, bool)> = statement
        .query_map([id], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)))?
        .collect::<Result<_, _>>()?;
    let unmatched = items.iter().map(|(item, _)| item).chain(queues.iter().map(|q| &q.2));
    if unmatched.clone().any(|item| !item_ids.contains_key(item)) {
        return Ok(Err("some of its items are in conflict, so it was not added".to_string()));
    }
    tx.tx.execute(
        "INSERT INTO batches (name, rubric_id, dataset, overlap, seed, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![name, rubric, dataset, overlap, seed, created_at],
    )?;
    let here = tx.tx.last_insert_rowid();
    for (item, position) in items {
        tx.tx.execute(
            "INSERT INTO batch_items (batch_id, item_id, position) VALUES (?1, ?2, ?3)",
            params![here, item_ids[&item], position],
        )?;
    }
    let mut gold = source.prepare("SELECT criterion, value FROM gold WHERE item_id = ?1")?;
    for (rater, position, item, honeypot) in queues {
        tx.tx.execute(
            "INSERT INTO assignments (batch_id, rater, position, item_id, honeypot) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![here, rater, position, item_ids[&item], honeypot],
        )?;
        if honeypot {
            let answers: Vec<(String, String)> =
                gold.query_map([item], |row| Ok((row.get(0)?, row.get(1)?)))?.collect::<Result<_, _>>()?;
            for (criterion, value) in answers {
                // An answer already here for the item stands.
                tx.tx.execute(
                    "INSERT OR IGNORE INTO gold (item_id, criterion, value) VALUES (?1, ?2, ?3)",
                    params![item_ids[&item], criterion, value],
                )?;
            }
        }
    }
    Ok(Ok(here))
}

/// Confirms, reopens, skips, flags and unflags with their notes, oldest first, each once;
/// those whose batch or item has no match here are counted, with the reason, per batch.
fn merge_item_events(
    tx: &Tx,
    source: &Connection,
    batches: &HashMap<i64, SourceBatch>,
    item_ids: &HashMap<i64, i64>,
    summary: &mut MergeSummary,
) -> Result<(), StoreError> {
    let mut statement = source.prepare(
        "SELECT batch_id, item_id, rater, action, note, duration_ms, created_at FROM item_events
         ORDER BY created_at, id",
    )?;
    let rows = statement.query_map([], |row| {
        Ok((
            row.get::<_, i64>(0)?,
            row.get::<_, i64>(1)?,
            row.get::<_, String>(2)?,
            row.get::<_, String>(3)?,
            row.get::<_, Option<String>>(4)?,
            row.get::<_, Option<i64>>(5)?,
            row.get::<_, i64>(6)?,
        ))
    })?;
    // Per source batch: why its events were left out, and how many.
    let mut left_out: std::collections::BTreeMap<String, u64> = Default::default();
    let mut leave_out = |reason: String| *left_out.entry(reason).or_default() += 1;
    for row in rows {
        let (batch, item, rater, action, note, duration, created_at) = row?;
        let Some(SourceBatch { name, here }) = batches.get(&batch) else {
            continue; // The foreign key makes this impossible.
        };
        let batch_here = match here {
            Ok(id) => *id,
            Err(reason) => {
                leave_out(reason.clone());
                continue;
            }
        };
        let Some(&item_here) = item_ids.get(&item) else {
            leave_out(format!("batch `{name}`: on items in conflict"));
            continue;
        };
        let in_batch: bool = tx.tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM batch_items WHERE batch_id = ?1 AND item_id = ?2)
                 OR EXISTS (SELECT 1 FROM assignments WHERE batch_id = ?1 AND item_id = ?2)",
            params![batch_here, item_here],
            |row| row.get(0),
        )?;
        if !in_batch {
            leave_out(format!("batch `{name}`: on items the batch here does not hold"));
            continue;
        }
        let exists: Option<i64> = optional(tx.tx.query_row(
            "SELECT id FROM item_events WHERE batch_id = ?1 AND item_id = ?2 AND rater = ?3 AND action = ?4
               AND note IS ?5 AND created_at = ?6",
            params![batch_here, item_here, rater, action, note, created_at],
            |row| row.get(0),
        ))?;
        if exists.is_some() {
            summary.item_events_already_here += 1;
            continue;
        }
        tx.tx.execute(
            "INSERT INTO item_events (batch_id, item_id, rater, action, note, duration_ms, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![batch_here, item_here, rater, action, note, duration, created_at],
        )?;
        summary.item_events_added += 1;
    }
    for (reason, count) in left_out {
        summary.item_events_left_out += count;
        summary.conflicts.push(format!("{reason}; {count} item events (confirms, skips, flags) were not merged"));
    }
    Ok(())
}
