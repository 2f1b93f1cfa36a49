//! Importing items from JSONL or CSV: streaming, one transaction per file.

use std::io::BufRead;
use std::path::Path;

use serde_json::{Map, Value};

use super::lines::{Record, for_each_record};
use super::{Error, Format};
use crate::model::comparison::{Candidate, split_pairs};
use crate::model::conversation::{self, Message};
use crate::model::{Item, Shape};
use crate::store::{OnConflict, PreparedItem, Store, Tx, Upsert};

/// Each item field and the other names it is recognised by, in order of preference:
/// tally's own, ragas 0.1 (`question`, `answer`, `contexts`, `ground_truth`), ragas 0.2+
/// `SingleTurnSample` (`user_input`, `response`, `retrieved_contexts`, `reference`:
/// <https://docs.ragas.io/en/stable/concepts/components/eval_sample/>) and Hugging Face
/// preference data (`prompt`, `chosen`, `rejected`: the chosen answer is the output a rater
/// judges; `rejected` stays in metadata, which the import summary says).
const FIELDS: [(&str, &[&str]); 7] = [
    ("id", &[]),
    ("input", &["prompt", "question", "user_input"]),
    ("output", &["response", "completion", "answer", "chosen"]),
    ("reference", &["expected", "ground_truth"]),
    ("context", &["contexts", "passages", "retrieved_contexts"]),
    ("metadata", &[]),
    ("judge", &[]),
];

#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Dataset name; the file name without extension when `None`.
    pub dataset: Option<String>,
    /// `(field, column)`: read item field `field` from column `column`.
    pub map: Vec<(String, String)>,
    pub on_conflict: OnConflict,
    /// Replace personal data and secrets with placeholders before storing.
    pub redact: bool,
    /// `--from`: the trace format of the file; `None` tells each record's format from
    /// its shape (today's items, or a trace format).
    pub from: Option<super::trace::TraceFormat>,
    /// Each trace's last line, for formats whose traces spread over several lines
    /// ([`super::trace::trace_ends`]): a trace is stored as soon as it is whole. Without
    /// it, such traces are held until the end of the file.
    pub trace_ends: Option<super::trace::Ends>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportSummary {
    pub file: String,
    pub dataset: String,
    pub records: u64,
    pub inserted: u64,
    pub unchanged: u64,
    pub updated: u64,
    pub skipped: u64,
    /// Current labels and adjudications on updated items that stand for the new content
    /// (`--labeled keep`), and those withdrawn as stale (`--labeled stale`).
    pub labels_kept: u64,
    pub labels_stale: u64,
    /// Placeholders put in, by kind (with `--redact`).
    pub redacted: crate::model::redact::Counts,
    /// Top-level fields no item field took, so they went into metadata (where the label
    /// screen shows them only as key/values), with how many records had each.
    pub to_metadata: std::collections::BTreeMap<String, u64>,
    /// Chatbot Arena / MT-Bench votes of people, read but not stored: items carry no
    /// labels (`labels import --rubric` stores them as labels).
    pub human_votes: u64,
    /// Traces of spans or runs that hold no message or tool call, left out.
    pub traces_without_messages: u64,
}

impl ImportOptions {
    /// Parses `--map field=column` arguments.
    pub fn parse_map(args: &[String]) -> Result<Vec<(String, String)>, String> {
        args.iter()
            .map(|arg| {
                let (field, column) = arg
                    .split_once('=')
                    .filter(|(field, column)| !field.is_empty() && !column.is_empty())
                    .ok_or_else(|| {
                        format!(
                            "--map `{arg}`: expected FIELD=COLUMN, e.g. output=completion, \
                         output=choices.0.message.content or output=/choices/0/message/content"
                        )
                    })?;
                if !FIELDS.iter().any(|(name, _)| *name == field) {
                    let names: Vec<_> = FIELDS.iter().map(|(name, _)| *name).collect();
                    return Err(format!("--map `{arg}`: `{field}` is not an item field ({})", names.join(", ")));
                }
                Ok((field.to_string(), column.to_string()))
            })
            .collect()
    }
}

/// Imports the items in `path` in one transaction: on any error the store is unchanged.
pub fn import_file(store: &mut Store, path: &Path, options: &ImportOptions) -> Result<ImportSummary, Error> {
    let (reader, format) = super::open(path)?;
    let dataset = dataset_name(path, options);
    let mut options = options.clone();
    if format == Format::Jsonl && options.trace_ends.is_none() {
        options.trace_ends = super::trace::trace_ends(path, options.from)?;
    }
    import(store, reader, format, &path.display().to_string(), &dataset, &options)
}

/// The dataset items of `path` go into: `--dataset`, else the file name without extension.
pub fn dataset_name(path: &Path, options: &ImportOptions) -> String {
    options.dataset.clone().unwrap_or_else(|| {
        path.file_stem().map_or_else(|| "items".to_string(), |stem| stem.to_string_lossy().into_owned())
    })
}

/// Imports items from `reader`; `origin` names it in errors and provenance.
///
/// Two threads share the work: one reads records and makes each item ready to store
/// (parsing, serialising its JSON columns), the calling thread hashes and writes them,
/// in file order, in one transaction. Either costs about as much as the other, so the
/// import takes the time of the slower, not of both.
pub fn import(
    store: &mut Store,
    reader: impl BufRead + Send,
    format: Format,
    origin: &str,
    dataset: &str,
    options: &ImportOptions,
) -> Result<ImportSummary, Error> {
    let mut summary = ImportSummary { file: origin.to_string(), dataset: dataset.to_string(), ..Default::default() };
    let mut labeled = Vec::new();
    store.write(|tx| {
        tx.bulk()?;
        std::thread::scope(|scope| {
            let (chunks, received) = std::sync::mpsc::sync_channel(CHUNKS_IN_FLIGHT);
            let (spent, spent_received) = std::sync::mpsc::channel();
            let read = move || {
                let mut items = ItemReader::new(origin, dataset, options, chunks, spent_received);
                items.read(reader, format).map(|()| items.summary)
            };
            // Named, so a profile tells the reading from the writing.
            let reading = std::thread::Builder::new()
                .name("tally-import-read".into())
                .spawn_scoped(scope, read)
                .map_err(|err| Error::at(origin, None, format!("cannot start reading: {err}")))?;
            let mut stored = Ok(());
            for rows in &received {
                stored = upsert(tx, &rows, origin, options.on_conflict, &mut summary, &mut labeled);
                // Freed where it was allocated: freeing another thread's memory costs the
                // writer a lock per string.
                let _ = spent.send(rows);
                if stored.is_err() {
                    break;
                }
            }
            // The reader stops at its next chunk.
            drop(received);
            let read = reading.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            // The writer's error comes first: it is at an earlier line than any the
            // reader met, since rows reach the writer in file order.
            stored?;
            let read = read?;
            summary.to_metadata = read.to_metadata;
            summary.redacted = read.redacted;
            summary.human_votes = read.human_votes;
            summary.traces_without_messages = read.traces_without_messages;
            refuse_labeled(origin, &labeled)
        })
    })?;
    Ok(summary)
}

/// Chunks of rows on their way from the reading thread to the writing one: enough that
/// neither waits on the other's hiccups, few enough to keep memory flat.
const CHUNKS_IN_FLIGHT: usize = 4;
/// A chunk is sent when it holds this many rows or this many bytes of text. Chunks of
/// 100 rows woke the waiting thread ten times as often: 10% more CPU on each side.
const CHUNK_ROWS: usize = 1000;
const CHUNK_BYTES: usize = 4 << 20;

/// Rows ready to store: each item and the line it came from.
type Chunk = Vec<(PreparedItem, u64)>;

/// The reading side of [`import`]: records to items ready to store, sent in chunks.
struct ItemReader<'a> {
    origin: &'a str,
    dataset: &'a str,
    options: &'a ImportOptions,
    chunks: std::sync::mpsc::SyncSender<Chunk>,
    /// Chunks the writer is done with, to be freed here.
    spent: std::sync::mpsc::Receiver<Chunk>,
    chunk: Chunk,
    chunk_bytes: usize,
    arena: super::arena::Grouper,
    /// What the reading side counts: fields sent to metadata, redactions, votes, traces.
    summary: ImportSummary,
}

impl<'a> ItemReader<'a> {
    fn new(
        origin: &'a str,
        dataset: &'a str,
        options: &'a ImportOptions,
        chunks: std::sync::mpsc::SyncSender<Chunk>,
        spent: std::sync::mpsc::Receiver<Chunk>,
    ) -> Self {
        ItemReader {
            origin,
            dataset,
            options,
            chunks,
            spent,
            chunk: Vec::new(),
            chunk_bytes: 0,
            arena: super::arena::Grouper::default(),
            summary: ImportSummary::default(),
        }
    }

    fn read(&mut self, reader: impl BufRead, format: Format) -> Result<(), Error> {
        let (origin, options) = (self.origin, self.options);
        // Trace formats become items' fields first; records of one trace on several
        // lines come out at the end of the file.
        let mut traces = super::trace::Converter::new(options.from, options.trace_ends.clone());
        for_each_record(reader, format, origin, csv_cell, |Record { line, fields }| {
            let ready = traces.record(line, fields).map_err(|message| Error::at(origin, Some(line), message))?;
            for (line, fields) in ready {
                self.record(line, fields)?;
            }
            Ok(())
        })?;
        for (line, fields) in traces.finish() {
            self.record(line, fields)?;
        }
        self.summary.traces_without_messages = traces.without_messages;
        let (comparisons, _) = std::mem::take(&mut self.arena).finish(ARENA_JUDGE_CRITERION);
        for super::arena::Comparison { mut item, line, votes } in comparisons {
            if options.redact {
                crate::model::redact::redact_item(&mut item, &mut self.summary.redacted);
            }
            self.summary.human_votes += votes.iter().filter(|vote| !vote.llm).count() as u64;
            self.push(item, line)?;
        }
        self.send()
    }

    /// One record's fields: an item (or a comparison's pairs) on its way, or an Arena vote.
    fn record(&mut self, line: u64, fields: Map<String, Value>) -> Result<(), Error> {
        let origin = self.origin;
        if super::arena::is_arena(&fields) {
            // Votes come in any order: their items are stored once the file is read.
            return self
                .arena
                .add(line, fields, self.dataset)
                .map_err(|message| Error::at(origin, Some(line), message));
        }
        let (mut item, extras) = item_and_extras(fields, &self.options.map, self.dataset)
            .map_err(|message| Error::at(origin, Some(line), message))?;
        for key in extras {
            *self.summary.to_metadata.entry(key).or_default() += 1;
        }
        if self.options.redact {
            crate::model::redact::redact_item(&mut item, &mut self.summary.redacted);
        }
        for item in split_pairs(item).map_err(|message| Error::at(origin, Some(line), message))? {
            self.push(item, line)?;
        }
        Ok(())
    }

    fn push(&mut self, item: Item, line: u64) -> Result<(), Error> {
        let prepared = PreparedItem::new(item);
        self.chunk_bytes += prepared.text_len();
        self.chunk.push((prepared, line));
        if self.chunk.len() >= CHUNK_ROWS || self.chunk_bytes >= CHUNK_BYTES {
            self.send()?;
        }
        Ok(())
    }

    fn send(&mut self) -> Result<(), Error> {
        if self.chunk.is_empty() {
            return Ok(());
        }
        self.chunk_bytes = 0;
        while let Ok(spent) = self.spent.try_recv() {
            drop(spent);
        }
        // Fails only when the writer stopped at an error of its own, which is the one
        // reported.
        self.chunks
            .send(std::mem::take(&mut self.chunk))
            .map_err(|_| Error::at(self.origin, None, "the import stopped"))
    }
}

/// The criterion an LLM judge's Arena vote is a judge value of, when no rubric names one:
/// the id the bundled pairwise rubric gives its preference criterion.
pub const ARENA_JUDGE_CRITERION: &str = "preference";

/// A known-answer item and its answers (criterion id, value as labels hold it).
pub type Honeypot = (Item, Vec<(String, Value)>);

/// Known-answer items: an items file whose records also carry `gold`, an object of
/// criterion id to the right answer. The answers are checked against `rubric` and kept
/// out of the item (the rater must not see them).
pub fn read_honeypots(path: &Path, rubric: &crate::model::Rubric) -> Result<Vec<Honeypot>, Error> {
    let (reader, format) = super::open(path)?;
    let origin = path.display().to_string();
    let mut honeypots = Vec::new();
    for_each_record(reader, format, &origin, csv_cell, |Record { line, mut fields }| {
        let at = |message: String| Error::at(&origin, Some(line), message);
        let gold = match fields.remove("gold") {
            Some(Value::Object(gold)) if !gold.is_empty() => gold,
            Some(Value::String(text)) => match serde_json::from_str::<Value>(&text) {
                Ok(Value::Object(gold)) if !gold.is_empty() => gold,
                _ => return Err(at("field `gold`: expected a JSON object of criterion to answer".into())),
            },
            _ => return Err(at("field `gold`: a honeypot needs its answers, e.g. {\"correct\": \"pass\"}".into())),
        };
        let mut answers = Vec::new();
        for (criterion_id, value) in gold {
            let criterion = rubric.criterion(&criterion_id).ok_or_else(|| {
                at(format!("field `gold.{criterion_id}`: rubric `{}` has no such criterion", rubric.name))
            })?;
            let parsed = criterion
                .parse_json(&value)
                .map_err(|message| at(format!("field `gold.{criterion_id}`: {message}")))?;
            answers.push((criterion_id, parsed.to_json()));
        }
        let item = item_from_fields(fields, &[], "honeypots").map_err(at)?;
        honeypots.push((item, answers));
        Ok(())
    })?;
    Ok(honeypots)
}

/// Stores items already read (a sample), in one transaction; `origin` is their provenance.
pub fn import_items(
    store: &mut Store,
    items: &[Item],
    origin: &str,
    dataset: &str,
    on_conflict: OnConflict,
) -> Result<ImportSummary, Error> {
    let mut summary = ImportSummary { file: origin.to_string(), dataset: dataset.to_string(), ..Default::default() };
    let mut labeled = Vec::new();
    store.write(|tx| {
        tx.bulk()?;
        let mut rows = Vec::new();
        for (index, item) in items.iter().enumerate() {
            let line = index as u64 + 1;
            for item in split_pairs(item.clone()).map_err(|message| Error::at(origin, Some(line), message))? {
                rows.push((PreparedItem::new(item), line));
            }
            if rows.len() >= CHUNK_ROWS {
                upsert(tx, &std::mem::take(&mut rows), origin, on_conflict, &mut summary, &mut labeled)?;
            }
        }
        upsert(tx, &rows, origin, on_conflict, &mut summary, &mut labeled)?;
        refuse_labeled(origin, &labeled)
    })?;
    Ok(summary)
}

/// Stores `rows` and counts what became of each.
fn upsert(
    tx: &Tx,
    rows: &[(PreparedItem, u64)],
    origin: &str,
    on_conflict: OnConflict,
    summary: &mut ImportSummary,
    labeled: &mut Vec<Labeled>,
) -> Result<(), Error> {
    let done = tx.upsert_items(rows, origin, on_conflict)?;
    for ((prepared, line), upsert) in rows.iter().zip(done) {
        let line = *line;
        summary.records += 1;
        match upsert {
            Upsert::Inserted => summary.inserted += 1,
            Upsert::Unchanged => summary.unchanged += 1,
            Upsert::Updated => summary.updated += 1,
            Upsert::UpdatedLabeled { labels, stale } => {
                summary.updated += 1;
                *(if stale { &mut summary.labels_stale } else { &mut summary.labels_kept }) += labels;
            }
            Upsert::Labeled { labels } => labeled.push(Labeled { id: prepared.id().to_string(), line, labels }),
            Upsert::Skipped => summary.skipped += 1,
            Upsert::Conflict { source, .. } => {
                return Err(Error::at(
                    origin,
                    Some(line),
                    format!(
                        "field `id`: `{}` is already in the store with different content (from {source}); \
                         use --on-conflict skip or --on-conflict update",
                        prepared.id()
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// An item `--on-conflict update` would give new content although it has labels.
struct Labeled {
    id: String,
    line: u64,
    labels: u64,
}

/// Refuses the import (rolling it back) when it would change the content of labeled
/// items without being told what becomes of their labels.
fn refuse_labeled(origin: &str, labeled: &[Labeled]) -> Result<(), Error> {
    let Some(first) = labeled.first() else {
        return Ok(());
    };
    const SHOWN: usize = 5;
    let mut ids: Vec<String> = labeled.iter().take(SHOWN).map(|l| format!("`{}` (line {})", l.id, l.line)).collect();
    if labeled.len() > SHOWN {
        ids.push(format!("and {} more", labeled.len() - SHOWN));
    }
    let labels: u64 = labeled.iter().map(|l| l.labels).sum();
    Err(Error::at(
        origin,
        Some(first.line),
        format!(
            "field `id`: {} labeled item(s) would get new content under their raters' {labels} label(s): {}; \
             say what becomes of those labels: --labeled stale (withdraw them, kept in the history with the \
             old content's hash, and send the items back to their raters) or --labeled keep (they stand for \
             the new content)",
            labeled.len(),
            ids.join(", ")
        ),
    ))
}

/// A CSV cell as a field value: empty cells are absent; `judge_<criterion>` cells and
/// numbers in them become JSON numbers; `context`, `metadata` and `judge` may hold JSON.
pub(super) fn csv_cell(header: &str, text: &str) -> Option<Value> {
    if text.is_empty() {
        return None;
    }
    let looks_like_json = matches!(text.trim_start().chars().next(), Some('[' | '{'));
    if looks_like_json
        && matches!(header, "context" | "contexts" | "passages" | "metadata" | "judge")
        && let Ok(value) = serde_json::from_str(text)
    {
        return Some(value);
    }
    if header.starts_with("judge_")
        && let Ok(number) = text.trim().parse::<f64>()
    {
        return Some(crate::model::label::number_json(number));
    }
    Some(Value::String(text.to_string()))
}

/// Builds an item from one record's fields: `--map` first, then each field's name and
/// aliases; every other field goes into metadata.
pub fn item_from_fields(fields: Map<String, Value>, map: &[(String, String)], dataset: &str) -> Result<Item, String> {
    item_and_extras(fields, map, dataset).map(|(item, _)| item)
}

/// [`item_from_fields`], and the top-level fields that went into metadata for want of an
/// item field to take them.
fn item_and_extras(
    mut fields: Map<String, Value>,
    map: &[(String, String)],
    dataset: &str,
) -> Result<(Item, Vec<String>), String> {
    // Each of FIELDS' values, by its place there: no map (and no key string) per record.
    let mut found: [Option<Value>; FIELDS.len()] = Default::default();
    for (field, column) in map {
        let value = take_path(&mut fields, column)
            .ok_or_else(|| format!("field `{column}` (mapped to `{field}` by --map) is missing"))?;
        if let Some(slot) = FIELDS.iter().position(|(name, _)| name == field) {
            found[slot] = Some(value);
        }
    }
    for ((field, aliases), slot) in FIELDS.iter().zip(&mut found) {
        if slot.is_none() {
            *slot = std::iter::once(field).chain(aliases.iter()).find_map(|name| fields.remove(*name));
        }
    }
    let mut found =
        |field: &str| FIELDS.iter().position(|(name, _)| *name == field).and_then(|slot| found[slot].take());
    // CSV judge columns: judge_<criterion>.
    let judge_columns: Vec<String> = fields.keys().filter(|key| key.starts_with("judge_")).cloned().collect();
    let mut judge = match found("judge") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(judge)) => judge,
        Some(_) => return Err("field `judge`: expected an object of criterion scores".into()),
    };
    for column in judge_columns {
        if let Some(value) = fields.remove(&column) {
            judge.insert(column["judge_".len()..].to_string(), value);
        }
    }

    let shape = shape(&mut fields)?;
    let output = match found("output") {
        Some(Value::String(text)) => text,
        Some(_) => return Err("field `output`: expected a string".into()),
        None if matches!(shape, Shape::Comparison { .. }) => String::new(),
        None if !shape.messages().is_empty() => conversation::last_assistant_text(shape.messages()),
        None => {
            let aliases = FIELDS.iter().find(|(field, _)| *field == "output").map_or(&[][..], |(_, a)| *a);
            return Err(format!("field `output` is missing (also looked for {})", aliases.join(", ")));
        }
    };
    let input = match found("input") {
        None | Some(Value::Null) if !shape.messages().is_empty() => conversation::first_user_text(shape.messages()),
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => text,
        Some(_) => return Err("field `input`: expected a string".into()),
    };
    let reference = match found("reference") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(text),
        Some(_) => return Err("field `reference`: expected a string".into()),
    };
    let context = match found("context") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(text)) => vec![text],
        Some(Value::Array(passages)) => passages
            .into_iter()
            .enumerate()
            .map(|(index, passage)| {
                passage_text(passage).ok_or_else(|| {
                    format!(
                        "field `context`: passage {} is not a string (or an object with `text` or `content`)",
                        index + 1
                    )
                })
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err("field `context`: expected a list of passages".into()),
    };
    let mut metadata = match found("metadata") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(metadata)) => metadata,
        Some(_) => return Err("field `metadata`: expected an object".into()),
    };
    let id_value = found("id");
    // Any other top-level field is metadata; explicit metadata wins on a clash.
    let extras: Vec<String> = fields.keys().cloned().collect();
    for (key, value) in fields {
        metadata.entry(key).or_insert(value);
    }

    let mut item = Item {
        id: String::new(),
        dataset: dataset.to_string(),
        input,
        output,
        reference,
        context,
        metadata,
        judge,
        shape,
    };
    item.id = match id_value {
        Some(Value::String(id)) if !id.trim().is_empty() => id,
        Some(Value::Number(number)) => number.to_string(),
        // No id: the content decides it, so re-importing the same file is still a no-op.
        None | Some(Value::Null) => item.content_hash()[..16].to_string(),
        Some(_) => return Err("field `id`: expected a non-empty string or a number".into()),
    };
    Ok((item, extras))
}

/// The item's shape from its `messages` (a conversation, OpenAI chat shape) or
/// `candidates` (a comparison) field, taken out of `fields`.
fn shape(fields: &mut Map<String, Value>) -> Result<Shape, String> {
    let messages = fields.remove("messages").filter(|value| !value.is_null());
    let candidates = fields.remove("candidates").filter(|value| !value.is_null());
    match (messages, candidates) {
        (Some(_), Some(_)) => Err("an item holds `messages` or `candidates`, not both".into()),
        (Some(messages), None) => {
            let messages: Vec<Message> =
                serde_json::from_value(messages).map_err(|err| format!("field `messages`: {err}"))?;
            if messages.is_empty() {
                return Err("field `messages`: a conversation needs at least one message".into());
            }
            Ok(Shape::Conversation { messages })
        }
        (None, Some(candidates)) => {
            let candidates: Vec<Candidate> =
                serde_json::from_value(candidates).map_err(|err| format!("field `candidates`: {err}"))?;
            if candidates.len() < 2 {
                return Err("field `candidates`: a comparison needs at least two candidates".into());
            }
            for (index, candidate) in candidates.iter().enumerate() {
                if candidate.id.trim().is_empty() {
                    return Err(format!("field `candidates`: candidate {} has no `id`", index + 1));
                }
                if candidates[..index].iter().any(|earlier| earlier.id == candidate.id) {
                    return Err(format!("field `candidates`: two candidates have the id `{}`", candidate.id));
                }
            }
            Ok(Shape::Comparison { candidates })
        }
        (None, None) => Ok(Shape::Single),
    }
}

/// Takes the value `column` names out of `fields`: a top-level field of that exact name,
/// else a JSON pointer (`/choices/0/message/content`, RFC 6901) or a dotted path
/// (`choices.0.message.content`, numbers index lists). What is left of the outer field
/// stays (and goes to metadata) so nothing else in it is lost.
fn take_path(fields: &mut Map<String, Value>, column: &str) -> Option<Value> {
    if let Some(value) = fields.remove(column) {
        return Some(value);
    }
    let steps: Vec<String> = match column.strip_prefix('/') {
        Some(pointer) => pointer.split('/').map(|step| step.replace("~1", "/").replace("~0", "~")).collect(),
        None if column.contains('.') => column.split('.').map(str::to_string).collect(),
        None => return None,
    };
    let (head, rest) = steps.split_first()?;
    let mut value = fields.get_mut(head)?;
    for step in rest {
        value = match value {
            Value::Object(object) => object.get_mut(step)?,
            Value::Array(list) => list.get_mut(step.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(value.take())
}

fn passage_text(passage: Value) -> Option<String> {
    match passage {
        Value::String(text) => Some(text),
        Value::Object(mut object) => {
            ["text", "content", "page_content"].iter().find_map(|key| match object.remove(*key) {
                Some(Value::String(text)) => Some(text),
                _ => None,
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => unreachable!(),
        }
    }

    /// `n` items, one a line, with an extra field `note`; `edit` changes some lines.
    fn jsonl(n: usize, edit: impl Fn(usize, String) -> String) -> String {
        (1..=n)
            .map(|line| {
                edit(line, format!("{{\"id\": \"i{line}\", \"input\": \"q\", \"output\": \"a{line}\", \"note\": 1}}\n"))
            })
            .collect()
    }

    fn import_text(store: &mut Store, text: &str) -> Result<ImportSummary, Error> {
        import(store, text.as_bytes(), Format::Jsonl, "f.jsonl", "ds", &ImportOptions::default())
    }

    /// The reading thread hands items over in chunks: a file of several chunks is stored
    /// whole and counted once, in order.
    #[test]
    fn a_file_of_many_chunks_is_stored_whole() {
        let mut store = Store::open_in_memory().unwrap();
        let n = (CHUNK_ROWS * 2 + 7).max(1000);
        let summary = import_text(&mut store, &jsonl(n, |_, line| line)).unwrap();
        assert_eq!((summary.records, summary.inserted), (n as u64, n as u64));
        assert_eq!(summary.to_metadata.get("note"), Some(&(n as u64)));
        assert_eq!(store.counts().unwrap().items, n as i64);
        let (_, item) = store.item_by_external_id(&format!("i{n}")).unwrap().unwrap();
        assert_eq!(item.output, format!("a{n}"));
        // Again: every row is unchanged.
        let again = import_text(&mut store, &jsonl(n, |_, line| line)).unwrap();
        assert_eq!((again.inserted, again.unchanged), (0, n as u64));
    }

    /// Chunks are bounded by bytes as well as rows, so memory stays flat with huge outputs.
    #[test]
    fn a_chunk_holds_at_most_a_few_megabytes() {
        let big = "x".repeat(1 << 20);
        let text: String = (1..=12).map(|n| format!("{{\"id\": \"b{n}\", \"output\": \"{big}\"}}\n")).collect();
        let (chunks, received) = std::sync::mpsc::sync_channel(100);
        let (_spent, spent_received) = std::sync::mpsc::channel();
        let options = ImportOptions::default();
        let mut reader = ItemReader::new("f.jsonl", "ds", &options, chunks, spent_received);
        reader.read(text.as_bytes(), Format::Jsonl).unwrap();
        drop(reader);
        let sizes: Vec<usize> = received.iter().map(|chunk| chunk.len()).collect();
        // Four outputs of 1 MB fill a chunk.
        assert_eq!(sizes, [4, 4, 4]);
    }

    /// An error anywhere, found by either thread, leaves the store as it was; when both
    /// meet one, the earlier line is the one named.
    #[test]
    fn an_error_late_in_a_long_file_names_its_line_and_stores_nothing() {
        let mut store = Store::open_in_memory().unwrap();
        let n = (CHUNK_ROWS * 2 + 7).max(1000);
        let bad_json =
            |at: usize| move |line: usize, text: String| if line == at { "{oops\n".to_string() } else { text };
        let err = import_text(&mut store, &jsonl(n, bad_json(n - 3))).unwrap_err().to_string();
        assert!(err.starts_with(&format!("f.jsonl:{}: invalid JSON", n - 3)), "{err}");
        assert_eq!(store.counts().unwrap().items, 0);
        // Line 700 gives id i3 other content (the writer refuses it); line n - 3 does not
        // parse (the reader refuses it): the conflict, earlier, is named.
        let both = |line: usize, text: String| match line {
            700 => "{\"id\": \"i3\", \"output\": \"other\"}\n".to_string(),
            _ => bad_json(n - 3)(line, text),
        };
        let err = import_text(&mut store, &jsonl(n, both)).unwrap_err().to_string();
        assert!(err.starts_with("f.jsonl:700: field `id`: `i3` is already in the store"), "{err}");
        assert!(err.contains("(from f.jsonl:3)"), "{err}");
        assert_eq!(store.counts().unwrap().items, 0);
    }

    #[test]
    fn aliases_and_extra_fields() {
        let item = item_from_fields(
            fields(json!({"id": 7, "question": "Q", "answer": "A", "ground_truth": "R",
                          "contexts": ["p1", {"text": "p2"}], "model": "m", "judge": {"correct": "pass"}})),
            &[],
            "ds",
        )
        .unwrap();
        assert_eq!((item.id.as_str(), item.input.as_str(), item.output.as_str()), ("7", "Q", "A"));
        assert_eq!(item.reference.as_deref(), Some("R"));
        assert_eq!(item.context, ["p1", "p2"]);
        assert_eq!(item.metadata["model"], "m");
        assert_eq!(item.judge["correct"], "pass");
    }

    #[test]
    fn map_takes_precedence_and_missing_mapped_column_is_named() {
        let item = item_from_fields(
            fields(json!({"output": "old", "completion": "new"})),
            &[("output".into(), "completion".into())],
            "ds",
        )
        .unwrap();
        assert_eq!(item.output, "new");
        assert_eq!(item.metadata["output"], "old");
        let err = item_from_fields(fields(json!({"output": "x"})), &[("input".into(), "q".into())], "ds").unwrap_err();
        assert!(err.contains("`q` (mapped to `input`"), "{err}");
    }

    #[test]
    fn missing_output_is_an_error_and_missing_id_is_derived() {
        let err = item_from_fields(fields(json!({"input": "Q"})), &[], "ds").unwrap_err();
        assert!(err.starts_with("field `output` is missing"), "{err}");
        let a = item_from_fields(fields(json!({"output": "x"})), &[], "ds").unwrap();
        let b = item_from_fields(fields(json!({"output": "x"})), &[], "other").unwrap();
        assert_eq!(a.id.len(), 16);
        assert_eq!(a.id, b.id);
    }

    #[test]
    fn messages_make_a_conversation_and_candidates_a_comparison() {
        let conversation = item_from_fields(
            fields(json!({"id": "t1", "messages": [
                {"role": "user", "content": "Refund order 7"},
                {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function",
                    "function": {"name": "refund", "arguments": "{\"order\":7}"}}]},
                {"role": "tool", "tool_call_id": "c1", "content": "ok"},
                {"role": "assistant", "content": "Done."}
            ]})),
            &[],
            "ds",
        )
        .unwrap();
        assert_eq!(conversation.shape.name(), "conversation");
        assert_eq!((conversation.input.as_str(), conversation.output.as_str()), ("Refund order 7", "Done."));
        assert_eq!(conversation.steps().len(), 4);
        assert!(!conversation.metadata.contains_key("messages"));

        let comparison = item_from_fields(
            fields(json!({"id": "p1", "input": "Write a haiku", "candidates": [
                {"id": "v1", "output": "one", "model": "m-1"}, {"id": "v2", "output": "two"}]})),
            &[],
            "ds",
        )
        .unwrap();
        assert_eq!(comparison.shape.candidates().len(), 2);
        assert_eq!(comparison.shape.candidates()[1].contender(), "v2");
        assert_eq!(comparison.output, "");

        for (record, expected) in [
            (json!({"candidates": [{"id": "v1", "output": "x"}]}), "at least two candidates"),
            (json!({"candidates": [{"id": "v1"}, {"id": "v1"}]}), "two candidates have the id `v1`"),
            (json!({"messages": []}), "at least one message"),
            (json!({"messages": [{"content": "no role"}]}), "field `messages`: missing field `role`"),
            (json!({"messages": [{"role": "user", "content": "x"}], "candidates": []}), "not both"),
        ] {
            let err = item_from_fields(fields(record), &[], "ds").unwrap_err();
            assert!(err.contains(expected), "{err}");
        }
    }

    /// ragas 0.2+ `SingleTurnSample` field names, from the ragas docs
    /// (https://docs.ragas.io/en/stable/concepts/components/eval_sample/): `user_input`,
    /// `retrieved_contexts`, `reference_contexts`, `response`, `reference`.
    #[test]
    fn ragas_0_2_names() {
        let (item, extras) = item_and_extras(
            fields(json!({"user_input": "When was Einstein born?", "response": "In 1879.",
                          "retrieved_contexts": ["Albert Einstein (born 14 March 1879) ..."],
                          "reference_contexts": ["Einstein was born in Ulm in 1879."],
                          "reference": "14 March 1879"})),
            &[],
            "ds",
        )
        .unwrap();
        assert_eq!(item.input, "When was Einstein born?");
        assert_eq!(item.output, "In 1879.");
        assert_eq!(item.context, ["Albert Einstein (born 14 March 1879) ..."]);
        assert_eq!(item.reference.as_deref(), Some("14 March 1879"));
        assert_eq!(extras, ["reference_contexts"]);
    }

    /// Hugging Face preference data (TRL's "standard" preference format,
    /// https://huggingface.co/docs/trl/main/en/dataset_formats#preference): the chosen
    /// answer is what raters judge; the rejected one is kept in metadata and named.
    #[test]
    fn preference_records_judge_the_chosen_answer() {
        let (item, extras) = item_and_extras(
            fields(json!({"prompt": "The sky is", "chosen": " blue.", "rejected": " green."})),
            &[],
            "ds",
        )
        .unwrap();
        assert_eq!((item.input.as_str(), item.output.as_str()), ("The sky is", " blue."));
        assert_eq!(item.metadata["rejected"], " green.");
        assert_eq!(extras, ["rejected"]);
    }

    /// An OpenAI chat completion response
    /// (https://platform.openai.com/docs/api-reference/chat/object): the text is at
    /// `choices[0].message.content`, by dotted path or JSON pointer.
    #[test]
    fn map_reads_nested_fields_by_dotted_path_or_pointer() {
        let record = json!({"prompt": "Hi", "choices": [{"index": 0, "finish_reason": "stop",
                            "message": {"role": "assistant", "content": "Hello!"}}]});
        for column in ["choices.0.message.content", "/choices/0/message/content"] {
            let item = item_from_fields(fields(record.clone()), &[("output".into(), column.into())], "ds").unwrap();
            assert_eq!(item.output, "Hello!", "{column}");
            // The rest of the outer field is kept.
            assert_eq!(item.metadata["choices"][0]["finish_reason"], "stop");
        }
        let err = item_from_fields(fields(record), &[("output".into(), "choices.1.message.content".into())], "ds")
            .unwrap_err();
        assert!(err.contains("`choices.1.message.content` (mapped to `output`"), "{err}");
        // A column whose name holds dots is still read as that column.
        let item = item_from_fields(fields(json!({"a.b": "x"})), &[("output".into(), "a.b".into())], "ds").unwrap();
        assert_eq!(item.output, "x");
    }

    #[test]
    fn csv_cells() {
        assert_eq!(csv_cell("judge_helpfulness", "4"), Some(json!(4)));
        assert_eq!(csv_cell("context", "[\"a\",\"b\"]"), Some(json!(["a", "b"])));
        assert_eq!(csv_cell("output", "[not json"), Some(json!("[not json")));
        assert_eq!(csv_cell("output", ""), None);
    }

    #[test]
    fn map_arguments_are_checked() {
        assert_eq!(
            ImportOptions::parse_map(&["output=completion".into()]).unwrap(),
            [("output".to_string(), "completion".to_string())]
        );
        assert!(ImportOptions::parse_map(&["outptu=x".into()]).unwrap_err().contains("not an item field"));
        assert!(ImportOptions::parse_map(&["output".into()]).unwrap_err().contains("FIELD=COLUMN"));
    }
}
