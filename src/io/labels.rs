//! Importing labels made elsewhere: `item, rater, criterion, value[, comment]`, checked
//! against a rubric, in one transaction.

use std::collections::BTreeSet;
use std::io::BufRead;
use std::path::Path;

use serde_json::Value;

use super::lines::{Record, for_each_record};
use super::{Error, Format};
use crate::model::Kind;
use crate::store::{NewLabel, Store, StoredRubric};

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct LabelImportSummary {
    pub file: String,
    pub rubric: String,
    pub records: u64,
    /// Label events written (a value that differs from the rater's current one).
    pub recorded: u64,
    /// Records equal to what the store already holds.
    pub unchanged: u64,
    pub raters: usize,
    pub items: usize,
}

pub fn import_file(store: &mut Store, path: &Path, rubric: &StoredRubric) -> Result<LabelImportSummary, Error> {
    let (reader, format) = super::open(path)?;
    import(store, reader, format, &path.display().to_string(), rubric)
}

pub fn import(
    store: &mut Store,
    reader: impl BufRead,
    format: Format,
    origin: &str,
    rubric: &StoredRubric,
) -> Result<LabelImportSummary, Error> {
    let mut summary =
        LabelImportSummary { file: origin.to_string(), rubric: rubric.rubric.name.clone(), ..Default::default() };
    let mut raters = BTreeSet::new();
    let mut items = BTreeSet::new();
    // Keep empty cells: an empty tags value means "none of the tags".
    let cell = |_: &str, text: &str| Some(Value::String(text.to_string()));
    store.write(|tx| {
        for_each_record(reader, format, origin, cell, |Record { line, mut fields }| {
            let fail = |message: String| Error::at(origin, Some(line), message);
            let mut text_field = |name: &str| match fields.remove(name) {
                Some(Value::String(text)) if !text.trim().is_empty() => Ok(text.trim().to_string()),
                Some(Value::Number(number)) => Ok(number.to_string()),
                Some(_) => Err(fail(format!("field `{name}`: expected a non-empty string"))),
                None => Err(fail(format!("field `{name}` is missing"))),
            };
            let item = text_field("item")?;
            let rater = text_field("rater")?;
            let criterion_id = text_field("criterion")?;
            let comment = match fields.remove("comment") {
                Some(Value::String(text)) if !text.is_empty() => Some(text),
                _ => None,
            };
            let raw_value = fields.remove("value").ok_or_else(|| fail("field `value` is missing".into()))?;

            let criterion = rubric.rubric.criterion(&criterion_id).ok_or_else(|| {
                let ids: Vec<_> = rubric.rubric.criteria.iter().map(|c| c.id.as_str()).collect();
                fail(format!(
                    "field `criterion`: `{criterion_id}` is not a criterion of rubric `{}` (expected one of {})",
                    rubric.rubric.name,
                    ids.join(", ")
                ))
            })?;
            if criterion.kind != Kind::Tags && criterion.kind != Kind::Text && raw_value.as_str() == Some("") {
                return Err(fail("field `value` is empty".into()));
            }
            let value =
                criterion.parse_json(&raw_value).map_err(|message| fail(format!("field `value`: {message}")))?;
            if matches!(&value, crate::model::LabelValue::Text(text) if text.trim().is_empty()) {
                return Ok(()); // An empty note says nothing.
            }
            let item_id = tx
                .item_id(&item)?
                .ok_or_else(|| fail(format!("field `item`: no item with id `{item}` in the store")))?;

            summary.records += 1;
            let json = value.to_json();
            let source = format!("import:{origin}:{line}");
            let recorded = tx.record_label(&NewLabel {
                item_id,
                rater: &rater,
                criterion: &criterion.id,
                value: Some(&json),
                comment: comment.as_deref(),
                rubric_id: rubric.id,
                batch_id: None,
                duration_ms: None,
                source: &source,
            })?;
            if recorded {
                summary.recorded += 1;
            } else {
                summary.unchanged += 1;
            }
            tx.confirm_where_assigned(item_id, &rater, &rubric.rubric.name)?;
            raters.insert(rater);
            items.insert(item_id);
            Ok(())
        })
    })?;
    summary.raters = raters.len();
    summary.items = items.len();
    Ok(summary)
}
