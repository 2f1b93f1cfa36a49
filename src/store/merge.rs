//! Bringing another store's items, rubrics, label events and adjudications into this one,
//! for raters who worked offline on their own copy. Idempotent: an event already here (the
//! same item, rater, criterion, value, comment, rubric and time) is not added again, so
//! merging twice changes nothing. Items match by id and content hash, rubrics by hash; an
//! id or a rubric version whose content differs is a conflict, reported and left alone
//! together with the labels that depend on it.

use std::collections::HashMap;
use std::path::Path;

use rusqlite::params;

use super::{OnConflict, Store, StoreError, Upsert, optional};
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
                        "rubric `{name}` v{version}: different content here and in {shown}; its labels were not merged"
                    )),
                    (None, Err(err)) => summary.conflicts.push(format!("{err}; its labels were not merged")),
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
                "SELECT id, external_id, dataset, input, output, reference, context, metadata, judge FROM items ORDER BY id",
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
                ))
            })?;
            for row in rows {
                let (id, external_id, dataset, input, output, reference, context, metadata, judge) = row?;
                let item = Item {
                    id: external_id.clone(),
                    dataset,
                    input,
                    output,
                    reference,
                    context: super::parse_json("items.context", &context)?,
                    metadata: super::parse_json("items.metadata", &metadata)?,
                    judge: super::parse_json("items.judge", &judge)?,
                };
                match tx.upsert_item(&item, &origin, 0, OnConflict::Error)? {
                    Upsert::Inserted => summary.items_added += 1,
                    Upsert::Unchanged | Upsert::Updated | Upsert::Skipped => summary.items_already_here += 1,
                    Upsert::Conflict { .. } => {
                        summary.conflicts.push(format!(
                            "item `{external_id}`: different content here and in {shown}; its labels were not merged"
                        ));
                        continue;
                    }
                }
                if let Some(here) = tx.item_id(&external_id)? {
                    item_ids.insert(id, here);
                }
            }
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
            Ok::<_, StoreError>(summary)
        })
    }
}
