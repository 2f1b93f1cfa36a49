//! Importing labels made elsewhere: `item, rater, criterion, value[, comment]`, checked
//! against a rubric, in one transaction.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write;
use std::io::BufRead;
use std::path::Path;

use serde_json::Value;

use super::lines::{Record, for_each_record};
use super::{Error, Format};
use crate::model::conversation::StepKind;
use crate::model::label::{split_step_key, step_key};
use crate::model::rubric::Scope;
use crate::model::{Kind, Shape};
use crate::store::{NewLabel, Store, StoredRubric, Tx, label_unchanged};

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
    /// Sides shown on comparison items newly recorded (the `left` column, or Arena's
    /// `model_a`); a side already recorded for a rater and item stands.
    pub sides: u64,
    /// Comparison items created from Chatbot Arena / MT-Bench records.
    pub items_created: u64,
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
    reader: impl BufRead + Send,
    format: Format,
    origin: &str,
    rubric: &StoredRubric,
) -> Result<LabelImportSummary, Error> {
    let mut summary =
        LabelImportSummary { file: origin.to_string(), rubric: rubric.rubric.name.clone(), ..Default::default() };
    let mut raters = BTreeSet::new();
    let mut items = HashSet::new();
    // Raters and criteria are few: rows keep their indices into `names`.
    let mut names: Vec<String> = Vec::new();
    // Two different values for one label in one file are refused. An event this import
    // wrote (id above `before`) says so from the store, at the cost of the lookup the
    // write makes anyway, so a file of new labels holds nothing here: only rows that
    // wrote nothing (equal to what the store held) and rows with a step are remembered,
    // as (item, rater, criterion, step) -> (line, value).
    let mut given: HashMap<LabelKey, (u64, String)> = HashMap::new();
    let mut steps_seen = false;
    // Values of criteria that apply only `when` another has a value: checked once the whole
    // file is in, since the value they depend on may come on a later line.
    let mut conditional: Vec<(u64, i64, usize, usize, Option<u32>)> = Vec::new();
    // The step kinds of the item of the previous step-scope row.
    let mut last_steps: Option<(i64, Vec<StepKind>)> = None;
    // The item of the previous row (files come grouped by item), and the (item, rater)
    // last confirmed in the batches that assign it.
    let mut last_item: Option<(String, i64)> = None;
    let mut last_confirmed: Option<(i64, usize)> = None;
    let source_prefix = format!("import:{origin}:");
    // Items made from Arena records go into a dataset named for the file, as `tally import` names it.
    let dataset =
        Path::new(origin).file_stem().map_or_else(|| "arena".to_string(), |stem| stem.to_string_lossy().into_owned());
    // The file is read and checked on a thread of its own while this one writes: on two
    // cores, an import takes about as long as the slower of the two.
    let (sender, receiver) = std::sync::mpsc::sync_channel(PARSED_AHEAD);
    let (spent, spent_received) = std::sync::mpsc::channel();
    std::thread::scope(|scope| {
        let read = || read_records(reader, format, origin, rubric, &dataset, sender, spent_received);
        // Named, so a profile tells the reading from the writing.
        let reading = std::thread::Builder::new()
            .name("tally-labels-read".into())
            .spawn_scoped(scope, read)
            .map_err(|err| Error::at(origin, None, format!("cannot start reading: {err}")))?;
        let written = store.write_bulk(|tx| {
            let before = tx.last_label_event_id()?;
            tx.write_labels(|writer| {
                for mut chunk in &receiver {
                    // The reader's error, if any, ends its last chunk.
                    let failed = match chunk.last() {
                        Some(Parsed::Failed(_)) => chunk.pop(),
                        _ => None,
                    };
                    let mut write_chunk = || -> Result<(), Error> {
                        for parsed in &chunk {
                            let Parsed::Record(record) = parsed else {
                                continue;
                            };
                            let ParsedRecord { line, source, item, rater, comment, step, left, labels } = record;
                            let line = *line;
                            let fail = |message: String| Error::at(origin, Some(line), message);
                            if let Some(left) = left {
                                let item_id = tx.item_id(item)?.ok_or_else(|| {
                                    fail(format!("field `item`: no item with id `{item}` in the store"))
                                })?;
                                let left = left_candidate(&tx.candidate_ids(item_id)?, left, item).map_err(fail)?;
                                summary.sides += u64::from(tx.record_side(item_id, rater, &left)?);
                            }
                            for label in labels {
                                let ParsedLabel { field, criterion, no_tags, json, json_text } =
                                    label.as_ref().map_err(|message| fail(message.clone()))?;
                                let criterion = &rubric.rubric.criteria[*criterion];
                                let item_id = match &last_item {
                                    Some((external, id)) if external == item => *id,
                                    _ => {
                                        let id = tx.item_id(item)?.ok_or_else(|| {
                                            fail(format!("field `item`: no item with id `{item}` in the store"))
                                        })?;
                                        last_item = Some((item.clone(), id));
                                        items.insert(id);
                                        id
                                    }
                                };

                        // A step-scope label is stored under `criterion@step` (see `step_key`).
                        let step_number = match (criterion.scope, &step) {
                            (Scope::Item, None) => None,
                            (Scope::Item, Some(_)) => {
                                return Err(fail(format!(
                                    "field `step`: criterion `{}` is about the whole item (scope = \"item\"); leave `step` empty",
                                    criterion.id
                                )));
                            }
                            (Scope::Step, None) => {
                                return Err(fail(format!(
                                    "field `step` is missing: criterion `{}` has one value per step (scope = \"step\")",
                                    criterion.id
                                )));
                            }
                            (Scope::Step, Some(text)) => {
                                let kinds = match &last_steps {
                                    Some((id, kinds)) if *id == item_id => kinds,
                                    _ => {
                                        let kinds = match tx.item_shape(item_id)? {
                                            Shape::Conversation { messages } => {
                                                crate::model::conversation::steps(&messages)
                                                    .into_iter()
                                                    .map(|step| step.kind)
                                                    .collect()
                                            }
                                            _ => Vec::new(),
                                        };
                                        &last_steps.insert((item_id, kinds)).1
                                    }
                                };
                                let number = text.parse::<u32>().ok().filter(|n| *n >= 1).ok_or_else(|| {
                                    fail(format!("field `step`: `{text}` is not a step number (1, 2, ...)"))
                                })?;
                                let kind = kinds.get(number as usize - 1).ok_or_else(|| {
                                    fail(format!("field `step`: item `{item}` has {} steps, not {number}", kinds.len()))
                                })?;
                                if !criterion.applies_to_step(*kind) {
                                    let kinds: Vec<_> = criterion.steps.iter().map(|kind| kind.name()).collect();
                                    return Err(fail(format!(
                                        "field `step`: step {number} of item `{item}` is a {} step; criterion `{}` applies to {} steps",
                                        kind.name(),
                                        criterion.id,
                                        kinds.join(" and ")
                                    )));
                                }
                                Some(number)
                            }
                        };
                                let stored_key = match step_number {
                            Some(number) => std::borrow::Cow::Owned(step_key(&criterion.id, number)),
                            None => std::borrow::Cow::Borrowed(criterion.id.as_str()),
                        };
                        let step = step_number.map(|number| number.to_string());

                        summary.records += 1;
                        let mut index_of = |name: &str| match names.iter().position(|known| known == name) {
                            Some(index) => index,
                            None => {
                                names.push(name.to_string());
                                names.len() - 1
                            }
                        };
                        let rater_index = index_of(rater);
                        let criterion_index = index_of(&criterion.id);
                        steps_seen |= step.is_some();
                        let key = (item_id, rater_index, criterion_index, step);
                        let differs = |first: u64, earlier: &str| {
                            let step = key.3.as_ref().map(|step| format!(", step {step}")).unwrap_or_default();
                            fail(format!(
                                "field `{field}`: {json_text} for item `{item}`, rater `{rater}`, criterion `{}`{step} \
                                 differs from {earlier} on line {first}; give one value per label",
                                criterion.id
                            ))
                        };
                        if let Some((first, earlier)) = given.get(&key)
                            && earlier != json_text
                        {
                            return Err(differs(*first, earlier));
                        }
                        let label = NewLabel {
                            item_id,
                            rater,
                            criterion: &stored_key,
                            value: Some(json),
                            comment: comment.as_deref(),
                            rubric_id: rubric.id,
                            batch_id: None,
                            duration_ms: None,
                            source,
                        };
                        let current = writer.current_label_event(item_id, rater, &stored_key, rubric.id)?;
                        let written_here = current.as_ref().is_some_and(|event| event.id > before);
                        if let Some(event) = current.as_ref().filter(|_| written_here && !steps_seen) {
                            // Written by an earlier line of this file.
                            let first = event.source.strip_prefix(&source_prefix).and_then(|line| line.parse().ok());
                            if let (Some(first), Some(earlier)) = (first, event.value.as_deref())
                                && earlier != json_text
                            {
                                return Err(differs(first, earlier));
                            }
                        }
                        if label_unchanged(current.as_ref(), &label) {
                            summary.unchanged += 1;
                            if !written_here || steps_seen {
                                given.entry(key).or_insert_with(|| (line, json_text.clone()));
                            }
                        } else {
                            writer.append_label_over(&label, Some(json_text), current.as_ref())?;
                            summary.recorded += 1;
                            if key.3.is_some() || steps_seen {
                                given.entry(key).or_insert_with(|| (line, json_text.clone()));
                            }
                        }
                        if criterion.when.is_some() && !no_tags {
                            conditional.push((line, item_id, rater_index, criterion_index, step_number));
                        }
                        if last_confirmed != Some((item_id, rater_index)) {
                            writer.confirm_where_assigned(item_id, rater, &rubric.rubric.name)?;
                            last_confirmed = Some((item_id, rater_index));
                            if !raters.contains(rater) {
                                raters.insert(rater.clone());
                            }
                        }
                    }
                }
                        Ok(())
                    };
                    let written = write_chunk();
                    // Freed where it was allocated: freeing another thread's memory costs
                    // the writer a lock per string.
                    let _ = spent.send(chunk);
                    written?;
                    if let Some(Parsed::Failed(err)) = failed {
                        return Err(err);
                    }
                }
                Ok::<_, Error>(())
            })?;
            // Every record is in: the reader has finished.
            let arena = reading.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            if !arena.is_empty() {
                import_votes(tx, arena, origin, rubric, &mut summary, &mut raters, &mut items)?;
            }
            for (line, item_id, rater, criterion, step) in conditional {
                if let Some(message) = check_when(tx, rubric, item_id, &names[rater], &names[criterion], step)? {
                    return Err(Error::at(origin, Some(line), message));
                }
            }
            Ok::<_, Error>(())
        });
        // On an error here, the reader stops at its next chunk.
        drop(receiver);
        written
    })?;
    summary.raters = raters.len();
    summary.items = items.len();
    Ok(summary)
}

/// `text` without the white space around it.
fn trimmed(text: String) -> String {
    if text.trim().len() == text.len() { text } else { text.trim().to_string() }
}

/// Records a reader thread parses and checks ahead of the writer, in chunks of this many.
const PARSED_CHUNK: usize = 2048;
/// Chunks the reader may be ahead by: memory stays flat whatever the file's size.
const PARSED_AHEAD: usize = 8;

/// One record as the reader thread leaves it: everything checked that needs no store.
struct ParsedRecord {
    line: u64,
    /// `import:FILE:LINE`, what its label events say they came from: made here rather than
    /// by the writer, the busier thread.
    source: String,
    item: String,
    rater: String,
    comment: Option<String>,
    step: Option<String>,
    /// The side shown, trimmed and not empty.
    left: Option<String>,
    /// Its labels, in order; the first error stops the record, after what the store
    /// checks before it (the `left` side, the item of each earlier label).
    labels: Vec<Result<ParsedLabel, String>>,
}

struct ParsedLabel {
    /// Where the value came from, for errors: `value`, or the criterion's column.
    field: std::borrow::Cow<'static, str>,
    /// Its criterion's index in the rubric.
    criterion: usize,
    /// Whether it is an empty set of tags, which a `when` condition does not check.
    no_tags: bool,
    json: Value,
    json_text: String,
}

/// What the reader thread sends: records, or the error that stopped it.
enum Parsed {
    Record(ParsedRecord),
    Failed(Error),
}

/// Reads and checks the records of `reader` on this thread, sending them in chunks and
/// freeing those the writer sends back; returns the Arena votes it set aside. Stops at
/// its first error, or when the writer stops listening.
fn read_records(
    reader: impl BufRead,
    format: Format,
    origin: &str,
    rubric: &StoredRubric,
    dataset: &str,
    sender: std::sync::mpsc::SyncSender<Vec<Parsed>>,
    spent: std::sync::mpsc::Receiver<Vec<Parsed>>,
) -> super::arena::Grouper {
    let mut arena = super::arena::Grouper::default();
    let mut chunk = Vec::with_capacity(PARSED_CHUNK);
    let records = Records {
        origin,
        rubric,
        left_is_criterion: rubric.rubric.criterion("left").is_some(),
        source_prefix: format!("import:{origin}:"),
    };
    let mut send = |record: ParsedRecord| -> Result<(), Error> {
        let line = record.line;
        chunk.push(Parsed::Record(record));
        if chunk.len() == PARSED_CHUNK {
            let full = std::mem::replace(&mut chunk, Vec::with_capacity(PARSED_CHUNK));
            sender.send(full).map_err(|_| Error::at(origin, Some(line), "the import stopped"))?;
            while spent.try_recv().is_ok() {}
        }
        Ok(())
    };
    // Keep empty cells: an empty tags value means "none of the tags".
    let cell = |_: &str, text: &str| Some(Value::String(text.to_string()));
    let read = match format {
        // The long shape's cells read by place: a map of fields per row cost half of reading.
        Format::Csv => {
            let mut long = None;
            super::lines::for_each_csv_row(reader, origin, |row| {
                let parsed = match long.get_or_insert_with(|| LongColumns::find(row.headers)) {
                    Some(columns) => Some(records.long_row(&row, columns)?),
                    None => records.record(row.line, row.fields(cell)?, &mut arena, dataset)?,
                };
                parsed.map_or(Ok(()), &mut send)
            })
        }
        Format::Jsonl => for_each_record(reader, format, origin, cell, |Record { line, fields }| {
            records.record(line, fields, &mut arena, dataset)?.map_or(Ok(()), &mut send)
        }),
    };
    if let Err(err) = read {
        chunk.push(Parsed::Failed(err));
    }
    // Unless the writer stopped at an error of its own, which it reports.
    sender.send(chunk).ok();
    arena
}

/// What turns a file's records into [`ParsedRecord`]s.
struct Records<'a> {
    origin: &'a str,
    rubric: &'a StoredRubric,
    /// `left` names a criterion of the rubric, not the side shown.
    left_is_criterion: bool,
    /// `import:FILE:`
    source_prefix: String,
}

/// Where the columns of a CSV file in the long shape are: only those columns, the four
/// it needs and any of `comment`, `step` and `left`.
struct LongColumns {
    item: usize,
    rater: usize,
    criterion: usize,
    value: usize,
    comment: Option<usize>,
    step: Option<usize>,
    left: Option<usize>,
}

impl LongColumns {
    fn find(headers: &[String]) -> Option<LongColumns> {
        const KNOWN: [&str; 7] = ["item", "rater", "criterion", "value", "comment", "step", "left"];
        if !headers.iter().all(|header| KNOWN.contains(&header.as_str())) {
            return None;
        }
        let at = |name: &str| headers.iter().position(|header| header == name);
        Some(LongColumns {
            item: at("item")?,
            rater: at("rater")?,
            criterion: at("criterion")?,
            value: at("value")?,
            comment: at("comment"),
            step: at("step"),
            left: at("left"),
        })
    }
}

impl Records<'_> {
    /// The record of `fields` at `line`; `None` for an Arena vote, set aside in `arena`.
    fn record(
        &self,
        line: u64,
        mut fields: serde_json::Map<String, Value>,
        arena: &mut super::arena::Grouper,
        dataset: &str,
    ) -> Result<Option<ParsedRecord>, Error> {
        let fail = |message: String| Error::at(self.origin, Some(line), message);
        if super::arena::is_arena(&fields) {
            // Votes come in any order: their items and labels are written once the file is read.
            arena.add(line, fields, dataset).map_err(fail)?;
            return Ok(None);
        }
        // Long shape: one label a record (`criterion`, `value`). Wide shape: a column
        // per criterion, named by its id (`item,rater,correct,helpfulness`).
        let wide = !fields.contains_key("criterion") && !fields.contains_key("value");
        let item = required_text("item", fields.remove("item")).map_err(fail)?;
        let rater = required_text("rater", fields.remove("rater")).map_err(fail)?;
        let criterion_id =
            if wide { String::new() } else { required_text("criterion", fields.remove("criterion")).map_err(fail)? };
        let comment = comment_text(fields.remove("comment"));
        let step = step_text(fields.remove("step"));
        let left = if self.left_is_criterion { None } else { left_text(fields.remove("left")) };
        let values = if wide {
            wide_values(&fields, &self.rubric.rubric)
        } else {
            Ok(vec![(criterion_id, fields.remove("value").ok_or_else(|| fail("field `value` is missing".into()))?)])
        };
        let labels = match values {
            Err(message) => vec![Err(message)],
            Ok(values) => values
                .into_iter()
                .filter_map(|(criterion_id, raw_value)| {
                    parse_label(self.rubric, wide, criterion_id, raw_value).transpose()
                })
                .collect(),
        };
        Ok(Some(ParsedRecord { line, source: self.source(line), item, rater, comment, step, left, labels }))
    }

    /// The record of a CSV row in the long shape, as [`Records::record`] reads it.
    fn long_row(&self, row: &super::lines::CsvRow, columns: &LongColumns) -> Result<ParsedRecord, Error> {
        let fail = |message: String| Error::at(self.origin, Some(row.line), message);
        let text =
            |index: usize| -> Result<Option<Value>, Error> { Ok(Some(Value::String(row.cell(index)?.to_string()))) };
        let optional =
            |index: Option<usize>| -> Result<Option<Value>, Error> { index.map(text).transpose().map(Option::flatten) };
        let item = required_text("item", text(columns.item)?).map_err(fail)?;
        let rater = required_text("rater", text(columns.rater)?).map_err(fail)?;
        let criterion_id = required_text("criterion", text(columns.criterion)?).map_err(fail)?;
        let comment = comment_text(optional(columns.comment)?);
        let step = step_text(optional(columns.step)?);
        let left = if self.left_is_criterion { None } else { left_text(optional(columns.left)?) };
        let raw_value = Value::String(row.cell(columns.value)?.to_string());
        let labels = parse_label(self.rubric, false, criterion_id, raw_value).transpose().into_iter().collect();
        let line = row.line;
        Ok(ParsedRecord { line, source: self.source(line), item, rater, comment, step, left, labels })
    }

    /// `import:FILE:LINE` for `line`, sized once: `format!` grew it twice a record.
    fn source(&self, line: u64) -> String {
        let mut source = String::with_capacity(self.source_prefix.len() + 20);
        source.push_str(&self.source_prefix);
        let _ = write!(source, "{line}");
        source
    }
}

/// Field `name`'s text, trimmed; it must not be empty.
fn required_text(name: &str, value: Option<Value>) -> Result<String, String> {
    match value {
        Some(Value::String(text)) if !text.trim().is_empty() => Ok(trimmed(text)),
        Some(Value::Number(number)) => Ok(number.to_string()),
        Some(_) => Err(format!("field `{name}`: expected a non-empty string")),
        None => Err(format!("field `{name}` is missing")),
    }
}

/// A comment, as written, unless empty.
fn comment_text(value: Option<Value>) -> Option<String> {
    match value {
        Some(Value::String(text)) if !text.is_empty() => Some(text),
        _ => None,
    }
}

/// A step number's text, trimmed, unless empty.
fn step_text(value: Option<Value>) -> Option<String> {
    match value {
        Some(Value::String(text)) if !text.trim().is_empty() => Some(trimmed(text)),
        Some(Value::Number(number)) => Some(number.to_string()),
        _ => None,
    }
}

/// The side shown, trimmed, unless empty.
fn left_text(value: Option<Value>) -> Option<String> {
    match value {
        Some(Value::String(left)) if !left.trim().is_empty() => Some(trimmed(left)),
        _ => None,
    }
}

/// One value of a record, checked against its criterion; `None` for an empty note,
/// which says nothing.
fn parse_label(
    rubric: &StoredRubric,
    wide: bool,
    criterion_id: String,
    raw_value: Value,
) -> Result<Option<ParsedLabel>, String> {
    let Some(index) = rubric.rubric.criteria.iter().position(|criterion| criterion.id == criterion_id) else {
        let ids: Vec<_> = rubric.rubric.criteria.iter().map(|c| c.id.as_str()).collect();
        return Err(format!(
            "field `criterion`: `{criterion_id}` is not a criterion of rubric `{}` (expected one of {})",
            rubric.rubric.name,
            ids.join(", ")
        ));
    };
    let criterion = &rubric.rubric.criteria[index];
    let field = if wide { std::borrow::Cow::Owned(criterion_id) } else { std::borrow::Cow::Borrowed("value") };
    if criterion.kind != Kind::Tags && criterion.kind != Kind::Text && raw_value.as_str() == Some("") {
        return Err(format!("field `{field}` is empty"));
    }
    let value = criterion.parse_json(&raw_value).map_err(|message| format!("field `{field}`: {message}"))?;
    if matches!(&value, crate::model::LabelValue::Text(text) if text.trim().is_empty()) {
        return Ok(None);
    }
    let json = value.to_json();
    let json_text = json.to_string();
    let no_tags = matches!(&value, crate::model::LabelValue::Tags(tags) if tags.is_empty());
    Ok(Some(ParsedLabel { field, criterion: index, no_tags, json, json_text }))
}

/// The candidate a `left` cell names: a candidate's id, else `a` (the first) or `b`.
fn left_candidate(candidates: &[String], left: &str, item: &str) -> Result<String, String> {
    if candidates.is_empty() {
        return Err(format!("field `left`: item `{item}` is not a comparison, so it has no sides"));
    }
    if let Some(id) = candidates.iter().find(|id| id.as_str() == left) {
        return Ok(id.clone());
    }
    match left {
        "a" => Ok(candidates[0].clone()),
        "b" if candidates.len() > 1 => Ok(candidates[1].clone()),
        _ => Err(format!(
            "field `left`: `{left}` is not a candidate of item `{item}` (expected a, b or one of {})",
            candidates.join(", ")
        )),
    }
}

/// Chatbot Arena / MT-Bench votes: their comparison items (created, or found unchanged),
/// each person's vote as a label of the rubric's preference criterion with the side they
/// saw, and an LLM judge's vote as the item's judge value for that criterion.
fn import_votes(
    tx: &Tx,
    arena: super::arena::Grouper,
    origin: &str,
    rubric: &StoredRubric,
    summary: &mut LabelImportSummary,
    raters: &mut BTreeSet<String>,
    items: &mut HashSet<i64>,
) -> Result<(), Error> {
    let preference: Vec<_> = rubric.rubric.criteria.iter().filter(|c| c.kind == Kind::Preference).collect();
    let criterion = match preference.as_slice() {
        [criterion] if !criterion.is_strength_scale() => *criterion,
        [criterion] => {
            return Err(Error::at(
                origin,
                None,
                format!(
                    "rubric `{}`: criterion `{}` uses the strength scale; Arena votes are a, b, tie or both bad, so                      they need a rubric with a plain preference criterion",
                    rubric.rubric.name, criterion.id
                ),
            ));
        }
        _ => {
            return Err(Error::at(
                origin,
                None,
                format!(
                    "rubric `{}` has {} preference criteria; Arena votes need exactly one to be labels of",
                    rubric.rubric.name,
                    preference.len()
                ),
            ));
        }
    };
    let (comparisons, _) = arena.finish(&criterion.id);
    tx.write_labels(|writer| {
    for super::arena::Comparison { item, line, votes } in comparisons {
        let item_id = match tx.upsert_item(&item, origin, line, crate::store::OnConflict::Error)? {
            crate::store::Upsert::Inserted => {
                summary.items_created += 1;
                tx.item_id(&item.id)?
            }
            crate::store::Upsert::Conflict { source, .. } => {
                return Err(Error::at(
                    origin,
                    Some(line),
                    format!(
                        "item `{}` is already in the store with different content (from {source}): its                          conversations or its judge value differ",
                        item.id
                    ),
                ));
            }
            _ => tx.item_id(&item.id)?,
        }
        .ok_or_else(|| Error::at(origin, Some(line), format!("item `{}` vanished while importing", item.id)))?;
        let mut given: HashMap<&str, (u64, &str)> = HashMap::new();
        for vote in votes.iter().filter(|vote| !vote.llm) {
            if let Some((first, earlier)) = given.insert(&vote.judge, (vote.line, vote.value))
                && earlier != vote.value
            {
                return Err(Error::at(
                    origin,
                    Some(vote.line),
                    format!(
                        "field `winner`: judge `{}` votes `{}` on item `{}` but `{earlier}` on line {first}; give                          one vote per judge",
                        vote.judge, vote.value, item.id
                    ),
                ));
            }
            let json = Value::String(vote.value.to_string());
            let source = format!("import:{origin}:{}", vote.line);
            let label = NewLabel {
                item_id,
                rater: &vote.judge,
                criterion: &criterion.id,
                value: Some(&json),
                comment: None,
                rubric_id: rubric.id,
                batch_id: None,
                duration_ms: None,
                source: &source,
            };
            summary.records += 1;
            let current = writer.current_label_event(item_id, &vote.judge, &criterion.id, rubric.id)?;
            if label_unchanged(current.as_ref(), &label) {
                summary.unchanged += 1;
            } else {
                writer.append_label(&label)?;
                summary.recorded += 1;
            }
            writer.confirm_where_assigned(item_id, &vote.judge, &rubric.rubric.name)?;
            summary.sides += u64::from(tx.record_side(item_id, &vote.judge, &vote.left)?);
            raters.insert(vote.judge.clone());
            items.insert(item_id);
        }
    }
    Ok(())
    })
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
    step: Option<u32>,
) -> Result<Option<String>, Error> {
    let criteria = &rubric.rubric.criteria;
    let Some(index) = criteria.iter().position(|c| c.id == criterion_id) else {
        return Ok(None);
    };
    // The item's values, and for a step's label that step's values under their plain ids.
    let mut values = BTreeMap::new();
    let mut step_values = Vec::new();
    for (key, json) in tx.current_values(item_id, rater, rubric.id)? {
        let (criterion, label_step) = split_step_key(&key);
        let Some(value) = rubric.rubric.criterion(criterion).and_then(|c| c.parse_json(&json).ok()) else {
            continue;
        };
        match label_step {
            None => {
                values.insert(criterion.to_string(), value);
            }
            Some(label_step) if Some(label_step) == step => step_values.push((criterion.to_string(), value)),
            Some(_) => {}
        }
    }
    values.extend(step_values);
    let step_text = step.map(|step| format!(" at step {step}")).unwrap_or_default();
    let condition = match &criteria[index].when {
        Some(condition) if !rubric.rubric.applies(index, &values) => condition,
        _ => return Ok(None),
    };
    let has = values
        .get(&condition.criterion)
        .map_or_else(|| "no value".to_string(), |value| format!("`{}`", value.display()));
    Ok(Some(format!(
        "field `criterion`: `{criterion_id}` applies only when `{}` is {}, and rater `{rater}` has {has} for `{}` \
         on this item{step_text}",
        condition.criterion,
        condition.any_of.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(" or "),
        condition.criterion
    )))
}
