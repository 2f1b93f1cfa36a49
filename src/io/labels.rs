//! Importing labels made elsewhere: `item, rater, criterion, value[, comment]`, checked
//! against a rubric, in one transaction.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::BufRead;
use std::path::Path;

use serde_json::Value;

use super::lines::{Record, for_each_record};
use super::{Error, Format};
use crate::model::Kind;
use crate::store::{NewLabel, Store, StoredRubric, Tx};

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

/// One label of a file: item (store id), rater and criterion (indices into the names
/// seen), step.
type LabelKey = (i64, usize, usize, Option<String>);

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
    // Each label the file gives: (item, rater, criterion, step) -> (line, value), to refuse
    // two different values for one label. Raters and criteria are few: keep their indices.
    let mut names: Vec<String> = Vec::new();
    let mut given: HashMap<LabelKey, (u64, Value)> = HashMap::new();
    // Values of criteria that apply only `when` another has a value: checked once the whole
    // file is in, since the value they depend on may come on a later line.
    let mut conditional: Vec<(u64, i64, String, String)> = Vec::new();
    // Keep empty cells: an empty tags value means "none of the tags".
    let cell = |_: &str, text: &str| Some(Value::String(text.to_string()));
    store.write(|tx| {
        for_each_record(reader, format, origin, cell, |Record { line, mut fields }| {
            let fail = |message: String| Error::at(origin, Some(line), message);
            // Long shape: one label a record (`criterion`, `value`). Wide shape: a column
            // per criterion, named by its id (`item,rater,correct,helpfulness`).
            let wide = !fields.contains_key("criterion") && !fields.contains_key("value");
            let mut text_field = |name: &str| match fields.remove(name) {
                Some(Value::String(text)) if !text.trim().is_empty() => Ok(text.trim().to_string()),
                Some(Value::Number(number)) => Ok(number.to_string()),
                Some(_) => Err(fail(format!("field `{name}`: expected a non-empty string"))),
                None => Err(fail(format!("field `{name}` is missing"))),
            };
            let item = text_field("item")?;
            let rater = text_field("rater")?;
            let criterion_id = if wide { String::new() } else { text_field("criterion")? };
            let comment = match fields.remove("comment") {
                Some(Value::String(text)) if !text.is_empty() => Some(text),
                _ => None,
            };
            let step = match fields.remove("step") {
                Some(Value::String(text)) if !text.trim().is_empty() => Some(text.trim().to_string()),
                Some(Value::Number(number)) => Some(number.to_string()),
                _ => None,
            };
            let values: Vec<(String, Value)> = if wide {
                wide_values(&fields, &rubric.rubric).map_err(fail)?
            } else {
                vec![(criterion_id, fields.remove("value").ok_or_else(|| fail("field `value` is missing".into()))?)]
            };
            for (criterion_id, raw_value) in values {
                let step = step.clone();
                // Where the value came from, for errors: `value`, or the criterion's column.
                let field = if wide { criterion_id.clone() } else { "value".to_string() };
                let criterion = rubric.rubric.criterion(&criterion_id).ok_or_else(|| {
                    let ids: Vec<_> = rubric.rubric.criteria.iter().map(|c| c.id.as_str()).collect();
                    fail(format!(
                        "field `criterion`: `{criterion_id}` is not a criterion of rubric `{}` (expected one of {})",
                        rubric.rubric.name,
                        ids.join(", ")
                    ))
                })?;
                if criterion.kind != Kind::Tags && criterion.kind != Kind::Text && raw_value.as_str() == Some("") {
                    return Err(fail(format!("field `{field}` is empty")));
                }
                let value =
                    criterion.parse_json(&raw_value).map_err(|message| fail(format!("field `{field}`: {message}")))?;
                if matches!(&value, crate::model::LabelValue::Text(text) if text.trim().is_empty()) {
                    continue; // An empty note says nothing.
                }
                let item_id = tx
                    .item_id(&item)?
                    .ok_or_else(|| fail(format!("field `item`: no item with id `{item}` in the store")))?;

                summary.records += 1;
                let json = value.to_json();
                let mut index_of = |name: &str| match names.iter().position(|known| known == name) {
                    Some(index) => index,
                    None => {
                        names.push(name.to_string());
                        names.len() - 1
                    }
                };
                let key = (item_id, index_of(&rater), index_of(&criterion.id), step);
                match given.get(&key) {
                    Some((first, earlier)) if *earlier != json => {
                        let step = key.3.as_ref().map(|step| format!(", step {step}")).unwrap_or_default();
                        return Err(fail(format!(
                            "field `{field}`: {json} for item `{item}`, rater `{rater}`, criterion `{}`{step} \
                         differs from {earlier} on line {first}; give one value per label",
                            criterion.id
                        )));
                    }
                    Some(_) => {} // The same row twice says nothing new.
                    None => {
                        given.insert(key, (line, json.clone()));
                    }
                }
                if criterion.when.is_some()
                    && !matches!(&value, crate::model::LabelValue::Tags(tags) if tags.is_empty())
                {
                    conditional.push((line, item_id, rater.clone(), criterion.id.clone()));
                }
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
                raters.insert(rater.clone());
                items.insert(item_id);
            }
            Ok(())
        })?;
        for (line, item_id, rater, criterion_id) in conditional {
            if let Some(message) = check_when(tx, rubric, item_id, &rater, &criterion_id)? {
                return Err(Error::at(origin, Some(line), message));
            }
        }
        Ok::<_, Error>(())
    })?;
    summary.raters = raters.len();
    summary.items = items.len();
    Ok(summary)
}

/// The labels of a wide record: each column named by a criterion id, in the rubric's
/// order. An empty cell is no label (so the wide shape cannot say "no tags"; the long
/// shape can); a column that names no criterion is an error, since a typo would otherwise
/// drop a whole column of labels.
fn wide_values(
    fields: &serde_json::Map<String, Value>,
    rubric: &crate::model::Rubric,
) -> Result<Vec<(String, Value)>, String> {
    if let Some(unknown) = fields.keys().find(|column| rubric.criterion(column).is_none()) {
        let ids: Vec<_> = rubric.criteria.iter().map(|c| c.id.as_str()).collect();
        return Err(format!(
            "field `{unknown}`: not a criterion of rubric `{}` (a wide record has item, rater, optional step and \
             comment, and one column per criterion: {}; a long record has criterion and value)",
            rubric.name,
            ids.join(", ")
        ));
    }
    let values: Vec<(String, Value)> = rubric
        .criteria
        .iter()
        .filter_map(|criterion| match fields.get(&criterion.id) {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) if text.trim().is_empty() => None,
            Some(value) => Some((criterion.id.clone(), value.clone())),
        })
        .collect();
    if values.is_empty() && fields.is_empty() {
        return Err("fields `criterion` and `value` are missing (or, in the wide shape, a column per criterion)".into());
    }
    Ok(values)
}

/// Whether criterion `criterion_id` applies to `rater`'s labels of the item, as they stand
/// with the file in (the file's values are the newest); if not, why.
fn check_when(
    tx: &Tx,
    rubric: &StoredRubric,
    item_id: i64,
    rater: &str,
    criterion_id: &str,
) -> Result<Option<String>, Error> {
    let criteria = &rubric.rubric.criteria;
    let Some(index) = criteria.iter().position(|c| c.id == criterion_id) else {
        return Ok(None);
    };
    let mut values = BTreeMap::new();
    for (criterion, json) in tx.current_values(item_id, rater, rubric.id)? {
        if let Some(value) = rubric.rubric.criterion(&criterion).and_then(|c| c.parse_json(&json).ok()) {
            values.insert(criterion, value);
        }
    }
    let condition = match &criteria[index].when {
        Some(condition) if !rubric.rubric.applies(index, &values) => condition,
        _ => return Ok(None),
    };
    let has = values
        .get(&condition.criterion)
        .map_or_else(|| "no value".to_string(), |value| format!("`{}`", value.display()));
    Ok(Some(format!(
        "field `criterion`: `{criterion_id}` applies only when `{}` is {}, and rater `{rater}` has {has} for `{}` \
         on this item",
        condition.criterion,
        condition.any_of.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(" or "),
        condition.criterion
    )))
}
