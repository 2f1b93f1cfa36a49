//! Label events (append-only) and adjudications, and the current labels they add up to.

use std::collections::HashMap;

use rusqlite::params;
use serde_json::Value;

use super::{Store, StoreError, Tx, now_ms, optional, parse_json};
use crate::stats::hash::FastMap;

/// One label decision to record.
#[derive(Debug, Clone)]
pub struct NewLabel<'a> {
    pub item_id: i64,
    pub rater: &'a str,
    pub criterion: &'a str,
    /// `None` retracts the rater's label for this criterion.
    pub value: Option<&'a Value>,
    pub comment: Option<&'a str>,
    pub rubric_id: i64,
    pub batch_id: Option<i64>,
    pub duration_ms: Option<i64>,
    /// `label` for the label screen, `import:FILE:LINE` for imported labels.
    pub source: &'a str,
}

/// Which labels a report or an export reads: those made under rubric `rubric` (any
/// version), on the items of one batch or on every item.
#[derive(Debug, Clone, Copy)]
pub struct LabelScope<'a> {
    pub rubric: &'a str,
    pub batch_id: Option<i64>,
}

/// The latest, unretracted value of one rater for one item and criterion.
#[derive(Debug, Clone, PartialEq)]
pub struct CurrentLabel {
    pub item_id: i64,
    pub item: String,
    pub rater: String,
    pub criterion: String,
    pub value: Value,
    /// When the label was given (unix milliseconds).
    pub at: i64,
}

/// A lead's final value for one item and criterion, to record.
#[derive(Debug, Clone)]
pub struct NewAdjudication<'a> {
    pub item_id: i64,
    pub criterion: &'a str,
    /// `None` withdraws the adjudication: the raters' consensus applies again.
    pub value: Option<&'a Value>,
    pub rationale: &'a str,
    pub adjudicator: &'a str,
    pub rubric_id: i64,
}

/// The standing adjudication of one item and criterion: who decided what, when and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Adjudication {
    pub item_id: i64,
    pub criterion: String,
    pub value: Value,
    pub rationale: Option<String>,
    pub adjudicator: String,
    /// Unix milliseconds.
    pub at: i64,
}

impl Tx<'_> {
    /// Appends an adjudication event unless it would change nothing (the same value and
    /// rationale stand, or withdrawing where none stands). Returns whether one was written.
    pub fn record_adjudication(&self, adjudication: &NewAdjudication) -> Result<bool, StoreError> {
        let value = adjudication.value.map(Value::to_string);
        let current: Option<(Option<String>, Option<String>)> = optional(
            self.tx
                .prepare_cached(
                    "SELECT a.value, a.rationale FROM adjudications a JOIN rubrics r ON r.id = a.rubric_id
                     WHERE a.item_id = ?1 AND a.criterion = ?2
                       AND r.name = (SELECT name FROM rubrics WHERE id = ?3)
                     ORDER BY a.created_at DESC, a.id DESC LIMIT 1",
                )?
                .query_row(params![adjudication.item_id, adjudication.criterion, adjudication.rubric_id], |row| {
                    Ok((row.get(0)?, row.get(1)?))
                }),
        )?;
        let unchanged = match current {
            Some((current_value, rationale)) => {
                current_value == value && (value.is_none() || rationale.as_deref() == Some(adjudication.rationale))
            }
            None => value.is_none(),
        };
        if unchanged {
            return Ok(false);
        }
        self.tx
            .prepare_cached(
                "INSERT INTO adjudications (item_id, criterion, value, rationale, adjudicator, rubric_id, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                adjudication.item_id,
                adjudication.criterion,
                value,
                adjudication.rationale,
                adjudication.adjudicator,
                adjudication.rubric_id,
                now_ms()
            ])?;
        Ok(true)
    }

    /// Appends a label event unless it would change nothing (same value and comment as
    /// the rater's current label, or retracting a label that does not exist). Returns
    /// whether an event was written.
    pub fn record_label(&self, label: &NewLabel) -> Result<bool, StoreError> {
        let current = self.current_label_event(label.item_id, label.rater, label.criterion, label.rubric_id)?;
        if label_unchanged(current.as_ref(), label) {
            return Ok(false);
        }
        append(self, &mut *self.tx.prepare_cached(APPEND_EVENT)?, label, current.as_ref())?;
        Ok(true)
    }

    /// The newest event of one rater's label (item, criterion, under the rubric of
    /// `rubric_id`, any version), retracting or not.
    pub fn current_label_event(
        &self,
        item_id: i64,
        rater: &str,
        criterion: &str,
        rubric_id: i64,
    ) -> Result<Option<LabelEvent>, StoreError> {
        label_event(&mut *self.tx.prepare_cached(CURRENT_EVENT)?, item_id, rater, criterion, rubric_id)
    }

    /// Appends a label event as it is: callers decide first whether it changes anything
    /// ([`label_unchanged`]).
    pub fn append_label(&self, label: &NewLabel) -> Result<(), StoreError> {
        // A bulk write counts what the label was before, as the trigger would.
        let current = match self.in_bulk() {
            true => self.current_label_event(label.item_id, label.rater, label.criterion, label.rubric_id)?,
            false => None,
        };
        append(self, &mut *self.tx.prepare_cached(APPEND_EVENT)?, label, current.as_ref())?;
        Ok(())
    }

    /// Writes many labels in this transaction (`labels import`) through `work`, as a bulk
    /// write ([`Tx::bulk`]), and inserts what it appended before returning. Its statements
    /// are prepared once, not through the statement cache: returning a statement to it
    /// clears its bindings, and SQLite then prepares a statement whose plan may depend on
    /// them (a join on a bound value) again at each use, which cost most of an import. It
    /// reads the label events and assignments of one item at a time (files come grouped
    /// by item), so a row costs the same in any store and batch. Nothing else may insert
    /// label events or item events in this transaction until `work` returns.
    pub fn write_labels<T, E: From<StoreError>>(
        &self,
        work: impl FnOnce(&mut LabelWriter) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut writer = self.label_writer()?;
        let done = work(&mut writer)?;
        writer.flush_events()?;
        writer.flush_confirms()?;
        Ok(done)
    }

    fn label_writer(&self) -> Result<LabelWriter<'_>, StoreError> {
        self.bulk()?;
        let rubrics = self
            .tx
            .prepare("SELECT id, name FROM rubrics")?
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<Result<_, _>>()?;
        Ok(LabelWriter {
            tx: self,
            events: self.tx.prepare(
                "SELECT id, value, comment, source, created_at, rater, criterion, rubric_id
                 FROM label_events WHERE item_id = ?1",
            )?,
            append: self.tx.prepare(&insert_events(1, false))?,
            append_many: self.tx.prepare(&insert_events(CHUNK, false))?,
            append_many_bare: self.tx.prepare(&insert_events(CHUNK, true))?,
            next_event_id: self.last_label_event_id()? + 1,
            last_item_with_events: self.tx.query_row(
                "SELECT coalesce(max(item_id), 0) FROM label_events",
                [],
                |row| row.get(0),
            )?,
            pending_events: Vec::with_capacity(CHUNK),
            pending_text: PendingText::default(),
            // Each assignment of the item with its events that set its state, in one
            // statement rather than one per assignment.
            assignments_with_events: self.tx.prepare(
                "SELECT a.batch_id, a.rater, e.action, e.created_at, e.id
                 FROM assignments a
                 LEFT JOIN item_events e ON e.batch_id = a.batch_id AND e.rater = a.rater AND e.item_id = a.item_id
                 WHERE a.item_id = ?1",
            )?,
            assignments: self.tx.prepare("SELECT batch_id, rater FROM assignments WHERE item_id = ?1")?,
            // A scan of an index, once: the item events' indexes do not lead with the item.
            last_item_with_item_events: self.tx.query_row(
                "SELECT coalesce(max(item_id), 0) FROM item_events",
                [],
                |row| row.get(0),
            )?,
            batches: self
                .tx
                .prepare("SELECT b.id FROM batches b JOIN rubrics r ON r.id = b.rubric_id WHERE r.name = ?1")?,
            confirm: self.tx.prepare(&insert_confirms(1))?,
            confirm_many: self.tx.prepare(&insert_confirms(CHUNK))?,
            pending_confirms: Vec::new(),
            items_with_pending_confirms: ItemSet::default(),
            names: Names::default(),
            rubrics,
            batches_of: FastMap::default(),
            now: now_ms(),
            item_events: None,
            item_assignments: None,
        })
    }

    /// The id of the newest label event in the store (0 when there is none): events
    /// with a greater id were written after this point.
    pub fn last_label_event_id(&self) -> Result<i64, StoreError> {
        Ok(self.tx.query_row("SELECT coalesce(max(id), 0) FROM label_events", [], |row| row.get(0))?)
    }
}

/// The events of (?1 item, ?2 rater, ?3 criterion) under the rubric name of ?4, the newest
/// picked by the caller: `ORDER BY ... LIMIT 1` would build a temporary b-tree per row.
const CURRENT_EVENT: &str = "SELECT e.id, e.value, e.comment, e.source, e.created_at
    FROM label_events e JOIN rubrics r ON r.id = e.rubric_id
    WHERE e.item_id = ?1 AND e.rater = ?2 AND e.criterion = ?3
      AND r.name = (SELECT name FROM rubrics WHERE id = ?4)";

const APPEND_EVENT: &str = "INSERT INTO label_events (item_id, rater, criterion, value, comment, rubric_id, batch_id,
                              duration_ms, created_at, source)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";

fn label_event(
    statement: &mut rusqlite::Statement,
    item_id: i64,
    rater: &str,
    criterion: &str,
    rubric_id: i64,
) -> Result<Option<LabelEvent>, StoreError> {
    let mut rows = statement.query(params![item_id, rater, criterion, rubric_id])?;
    let mut newest: Option<((i64, i64), LabelEvent)> = None;
    while let Some(row) = rows.next()? {
        let key = (row.get::<_, i64>(4)?, row.get::<_, i64>(0)?);
        if newest.as_ref().is_none_or(|(best, _)| key > *best) {
            let event = LabelEvent {
                id: row.get(0)?,
                value: row.get(1)?,
                comment: row.get(2)?,
                source: row.get(3)?,
                created_at: key.0,
            };
            newest = Some((key, event));
        }
    }
    Ok(newest.map(|(_, event)| event))
}

/// Appends `label` (its newest event so far is `current`) and returns the event written.
fn append(
    tx: &Tx,
    statement: &mut rusqlite::Statement,
    label: &NewLabel,
    current: Option<&LabelEvent>,
) -> Result<LabelEvent, StoreError> {
    let created_at = now_ms();
    let value = label.value.map(Value::to_string);
    statement.execute(params![
        label.item_id,
        label.rater,
        label.criterion,
        value,
        label.comment,
        label.rubric_id,
        label.batch_id,
        label.duration_ms,
        created_at,
        label.source
    ])?;
    tx.bulk_label(label.rater, label.source, value.is_some(), created_at, current);
    Ok(LabelEvent {
        id: tx.tx.last_insert_rowid(),
        value,
        comment: label.comment.map(str::to_string),
        source: label.source.to_string(),
        created_at,
    })
}

/// Rows a [`LabelWriter`] inserts with one statement: one statement a row cost twice
/// as much in SQLite's per-statement work as the rows themselves. Small in unit tests, so
/// they write across many chunks.
const CHUNK: usize = if cfg!(test) { 3 } else { 64 };

/// An insert of `rows` label events. `OR FAIL`: a failing row fails the whole write, so
/// SQLite need not journal each statement to undo its own earlier rows. Without a
/// comment, batch or duration (`bare`, as imported labels come), those columns are left
/// to their default, NULL, rather than bound: three binds fewer a row.
fn insert_events(rows: usize, bare: bool) -> String {
    let (columns, row) = if bare {
        ("item_id, rater, criterion, value, rubric_id, created_at, source", "(?, ?, ?, ?, ?, ?, ?)")
    } else {
        (
            "item_id, rater, criterion, value, comment, rubric_id, batch_id, duration_ms, created_at, source",
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
    };
    format!("INSERT OR FAIL INTO label_events ({columns}) VALUES {}", vec![row; rows].join(", "))
}

/// An insert of `rows` confirms of (batch, item, rater) at a time.
fn insert_confirms(rows: usize) -> String {
    format!(
        "INSERT OR FAIL INTO item_events (batch_id, item_id, rater, action, created_at) VALUES {}",
        vec!["(?, ?, ?, 'confirm', ?)"; rows].join(", ")
    )
}

/// A label event appended by a [`LabelWriter`] and not yet inserted.
struct PendingEvent {
    item_id: i64,
    /// Indices into the writer's names.
    rater: u32,
    criterion: u32,
    rubric_id: i64,
    batch_id: Option<i64>,
    duration_ms: Option<i64>,
    id: i64,
    created_at: i64,
    /// Where its value, comment and source are in the writer's [`PendingText`].
    value: Option<std::ops::Range<usize>>,
    comment: Option<std::ops::Range<usize>>,
    source: std::ops::Range<usize>,
}

/// The texts of the [`PendingEvent`]s, one after another: two strings a row, made and
/// freed, cost the writer more than binding them.
#[derive(Default)]
struct PendingText(String);

impl PendingText {
    fn push(&mut self, text: &str) -> std::ops::Range<usize> {
        let start = self.0.len();
        self.0.push_str(text);
        start..self.0.len()
    }

    fn get(&self, range: &std::ops::Range<usize>) -> &str {
        &self.0[range.clone()]
    }

    /// `pending` as the event it will be.
    fn event(&self, pending: &PendingEvent) -> LabelEvent {
        LabelEvent {
            id: pending.id,
            value: pending.value.as_ref().map(|range| self.get(range).to_string()),
            comment: pending.comment.as_ref().map(|range| self.get(range).to_string()),
            source: self.get(&pending.source).to_string(),
            created_at: pending.created_at,
        }
    }
}

/// A confirm of (batch, item, rater: an index into the writer's names) at a time, not yet inserted.
type PendingConfirm = (i64, i64, u32, i64);

/// Confirms a [`LabelWriter`] holds before inserting them, in the order of the item
/// events' index (batch, rater, item). Inserted in file order, a confirm landed in the
/// middle of that index, one place per rater, and cost more than a label event; in its
/// order, into a batch with no events yet, each one extends the index at its end. At
/// most 32 MB.
const CONFIRMS_HELD: usize = if cfg!(test) { 7 } else { 1 << 20 };

/// Item ids, one bit each up to [`ItemSet::BITS`] (ids come one at a time from 1), in a
/// map above it: the items with confirms not yet inserted.
#[derive(Default)]
struct ItemSet {
    words: Vec<u64>,
    above: FastMap<i64, ()>,
}

impl ItemSet {
    /// 8 MB of bits at most.
    const BITS: i64 = 1 << 26;

    fn insert(&mut self, item_id: i64) {
        match Self::place(item_id) {
            Some((word, bit)) => {
                if word >= self.words.len() {
                    self.words.resize(word + 1, 0);
                }
                self.words[word] |= bit;
            }
            None => {
                self.above.insert(item_id, ());
            }
        }
    }

    fn contains(&self, item_id: i64) -> bool {
        match Self::place(item_id) {
            Some((word, bit)) => self.words.get(word).is_some_and(|known| known & bit != 0),
            None => self.above.contains_key(&item_id),
        }
    }

    fn clear(&mut self) {
        self.words.fill(0);
        self.above.clear();
    }

    fn place(item_id: i64) -> Option<(usize, u64)> {
        (0..Self::BITS).contains(&item_id).then(|| ((item_id / 64) as usize, 1 << (item_id % 64)))
    }
}

/// [`Tx::write_labels`]: a label import's statements, prepared once, what it has read of
/// the item it is writing, and the rows it has yet to insert. Events get their ids here
/// (the next after the store's newest, as SQLite would give them) and are inserted
/// [`CHUNK`] at a time; what has yet to be inserted is flushed before a read that could
/// see it.
pub struct LabelWriter<'t> {
    tx: &'t Tx<'t>,
    events: rusqlite::Statement<'t>,
    append: rusqlite::Statement<'t>,
    append_many: rusqlite::Statement<'t>,
    append_many_bare: rusqlite::Statement<'t>,
    next_event_id: i64,
    /// The greatest item id with a label event, in the store or appended here: an item
    /// above it has none, and its events need not be read.
    last_item_with_events: i64,
    pending_events: Vec<PendingEvent>,
    pending_text: PendingText,
    assignments_with_events: rusqlite::Statement<'t>,
    /// For an item with no item events: a probe of the item events for each assignment
    /// cost as much as inserting its confirm.
    assignments: rusqlite::Statement<'t>,
    /// The greatest item id with an item event, in the store or appended here.
    last_item_with_item_events: i64,
    batches: rusqlite::Statement<'t>,
    confirm: rusqlite::Statement<'t>,
    confirm_many: rusqlite::Statement<'t>,
    pending_confirms: Vec<PendingConfirm>,
    items_with_pending_confirms: ItemSet,
    names: Names,
    /// Every rubric version's name, by id: a label is the same under any version.
    rubrics: FastMap<i64, String>,
    /// The batches under each rubric name asked about.
    batches_of: FastMap<String, Vec<i64>>,
    /// The time events and confirms are written at, read again for each item: a clock
    /// read per row cost more than the ids of the row.
    now: i64,
    /// One item's label events.
    item_events: Option<(i64, Vec<ItemEvent>)>,
    /// One item's assignments.
    item_assignments: Option<(i64, Vec<Assignment>)>,
}

/// The raters and criteria a [`LabelWriter`] has met, each kept once: its rows refer to
/// them by index.
#[derive(Default)]
struct Names {
    names: Vec<String>,
    ids: FastMap<String, u32>,
}

impl Names {
    /// The index of `name`, given it if it is new.
    fn id(&mut self, name: &str) -> u32 {
        match self.ids.get(name) {
            Some(&id) => id,
            None => {
                let id = self.names.len() as u32;
                self.names.push(name.to_string());
                self.ids.insert(name.to_string(), id);
                id
            }
        }
    }

    fn get(&self, name: &str) -> Option<u32> {
        self.ids.get(name).copied()
    }

    fn name(&self, id: u32) -> &str {
        &self.names[id as usize]
    }
}

/// Column `index` of `row`, a text read in place.
fn text_at<'r>(row: &'r rusqlite::Row, index: usize) -> rusqlite::Result<&'r str> {
    row.get_ref(index)?
        .as_str()
        .map_err(|err| rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, Box::new(err)))
}

/// A label event of the item a [`LabelWriter`] is writing.
struct ItemEvent {
    /// Indices into the writer's names.
    rater: u32,
    criterion: u32,
    rubric_id: i64,
    id: i64,
    created_at: i64,
    /// The event as read from the store; `None` for one this writer appended, which is
    /// found by its id among the rows not yet inserted or in the store: copying every
    /// appended event here cost the writer two strings a row.
    read: Option<LabelEvent>,
}

/// One assignment of the item a [`LabelWriter`] is writing, and whether its state is
/// confirmed: its newest of confirm, reopen and skip is a confirm.
struct Assignment {
    batch_id: i64,
    /// An index into the writer's names.
    rater: u32,
    confirmed: bool,
}

impl LabelWriter<'_> {
    /// As [`Tx::current_label_event`].
    pub fn current_label_event(
        &mut self,
        item_id: i64,
        rater: &str,
        criterion: &str,
        rubric_id: i64,
    ) -> Result<Option<LabelEvent>, StoreError> {
        self.read_rubric(rubric_id)?;
        self.read_events(item_id)?;
        let (Some(rater), Some(criterion)) = (self.names.get(rater), self.names.get(criterion)) else {
            return Ok(None); // A name never met has no events.
        };
        let name = self.rubrics.get(&rubric_id);
        let newest = self
            .item_events
            .iter()
            .flat_map(|(_, events)| events)
            .filter(|known| known.rater == rater && known.criterion == criterion)
            .filter(|known| known.rubric_id == rubric_id || self.rubrics.get(&known.rubric_id) == name)
            .max_by_key(|known| (known.created_at, known.id));
        let Some(newest) = newest else {
            return Ok(None);
        };
        if let Some(event) = &newest.read {
            return Ok(Some(event.clone()));
        }
        let id = newest.id;
        if let Some(pending) = self.pending_events.iter().find(|pending| pending.id == id) {
            return Ok(Some(self.pending_text.event(pending)));
        }
        let event = self.tx.tx.query_row(
            "SELECT id, value, comment, source, created_at FROM label_events WHERE id = ?1",
            [id],
            |row| {
                Ok(LabelEvent {
                    id: row.get(0)?,
                    value: row.get(1)?,
                    comment: row.get(2)?,
                    source: row.get(3)?,
                    created_at: row.get(4)?,
                })
            },
        )?;
        Ok(Some(event))
    }

    /// As [`Tx::append_label`].
    pub fn append_label(&mut self, label: &NewLabel) -> Result<(), StoreError> {
        let current = self.current_label_event(label.item_id, label.rater, label.criterion, label.rubric_id)?;
        let value = label.value.map(Value::to_string);
        self.append_label_over(label, value.as_deref(), current.as_ref())
    }

    /// As [`LabelWriter::append_label`], with `label`'s value as JSON text (`value`, which
    /// the caller has at hand), over `current`, what [`LabelWriter::current_label_event`]
    /// said of the label just before: a caller that asked need not have it looked up again.
    pub fn append_label_over(
        &mut self,
        label: &NewLabel,
        value: Option<&str>,
        current: Option<&LabelEvent>,
    ) -> Result<(), StoreError> {
        debug_assert_eq!(value.map(str::to_string), label.value.map(Value::to_string));
        let created_at = self.now;
        self.tx.bulk_label(label.rater, label.source, value.is_some(), created_at, current);
        let id = self.next_event_id;
        self.next_event_id += 1;
        self.last_item_with_events = self.last_item_with_events.max(label.item_id);
        let rater = self.names.id(label.rater);
        let criterion = self.names.id(label.criterion);
        if let Some((item, events)) = self.item_events.as_mut()
            && *item == label.item_id
        {
            events.push(ItemEvent { rater, criterion, rubric_id: label.rubric_id, id, created_at, read: None });
        }
        self.pending_events.push(PendingEvent {
            item_id: label.item_id,
            rater,
            criterion,
            rubric_id: label.rubric_id,
            batch_id: label.batch_id,
            duration_ms: label.duration_ms,
            id,
            created_at,
            value: value.map(|value| self.pending_text.push(value)),
            comment: label.comment.map(|comment| self.pending_text.push(comment)),
            source: self.pending_text.push(label.source),
        });
        if self.pending_events.len() == CHUNK {
            self.flush_events()?;
        }
        Ok(())
    }

    /// Inserts the events appended so far.
    fn flush_events(&mut self) -> Result<(), StoreError> {
        fn bind(
            statement: &mut rusqlite::Statement,
            rows: &[PendingEvent],
            names: &Names,
            text: &PendingText,
            bare: bool,
        ) -> rusqlite::Result<usize> {
            let mut index = 0;
            let mut next = || {
                index += 1;
                index
            };
            for row in rows {
                statement.raw_bind_parameter(next(), row.item_id)?;
                statement.raw_bind_parameter(next(), names.name(row.rater))?;
                statement.raw_bind_parameter(next(), names.name(row.criterion))?;
                statement.raw_bind_parameter(next(), row.value.as_ref().map(|range| text.get(range)))?;
                if !bare {
                    statement.raw_bind_parameter(next(), row.comment.as_ref().map(|range| text.get(range)))?;
                }
                statement.raw_bind_parameter(next(), row.rubric_id)?;
                if !bare {
                    statement.raw_bind_parameter(next(), row.batch_id)?;
                    statement.raw_bind_parameter(next(), row.duration_ms)?;
                }
                statement.raw_bind_parameter(next(), row.created_at)?;
                statement.raw_bind_parameter(next(), text.get(&row.source))?;
            }
            statement.raw_execute()
        }
        let rows = &self.pending_events;
        if rows.len() == CHUNK {
            let bare =
                rows.iter().all(|row| row.comment.is_none() && row.batch_id.is_none() && row.duration_ms.is_none());
            let statement = if bare { &mut self.append_many_bare } else { &mut self.append_many };
            bind(statement, rows, &self.names, &self.pending_text, bare)?;
        } else {
            for row in rows {
                bind(&mut self.append, std::slice::from_ref(row), &self.names, &self.pending_text, false)?;
            }
        }
        // SQLite gives each row the id after the greatest (no row can have the greatest
        // possible id: ids come one at a time from 1), which is what the events were told.
        if let Some(last) = self.pending_events.last()
            && self.tx.tx.last_insert_rowid() != last.id
        {
            return Err(StoreError::Invalid(format!(
                "label event {} was stored as {}: the store changed during the import",
                last.id,
                self.tx.tx.last_insert_rowid()
            )));
        }
        self.pending_events.clear();
        self.pending_text.0.clear();
        Ok(())
    }

    /// Inserts the confirms made so far.
    fn flush_confirms(&mut self) -> Result<(), StoreError> {
        fn bind(
            statement: &mut rusqlite::Statement,
            rows: &[PendingConfirm],
            names: &Names,
        ) -> rusqlite::Result<usize> {
            for (index, (batch_id, item_id, rater, at)) in rows.iter().enumerate() {
                let first = index * 4 + 1;
                statement.raw_bind_parameter(first, batch_id)?;
                statement.raw_bind_parameter(first + 1, item_id)?;
                statement.raw_bind_parameter(first + 2, names.name(*rater))?;
                statement.raw_bind_parameter(first + 3, at)?;
            }
            statement.raw_execute()
        }
        let names = &self.names;
        self.pending_confirms
            .sort_unstable_by(|a, b| (a.0, names.name(a.2), a.1, a.3).cmp(&(b.0, names.name(b.2), b.1, b.3)));
        let mut chunks = self.pending_confirms.chunks_exact(CHUNK);
        for chunk in &mut chunks {
            bind(&mut self.confirm_many, chunk, &self.names)?;
        }
        for row in chunks.remainder() {
            bind(&mut self.confirm, std::slice::from_ref(row), &self.names)?;
        }
        self.pending_confirms.clear();
        self.items_with_pending_confirms.clear();
        Ok(())
    }

    /// Reads the name of rubric version `rubric_id` if it was added after the writer was made.
    fn read_rubric(&mut self, rubric_id: i64) -> Result<(), StoreError> {
        if !self.rubrics.contains_key(&rubric_id) {
            let name: String =
                self.tx.tx.query_row("SELECT name FROM rubrics WHERE id = ?1", [rubric_id], |row| row.get(0))?;
            self.rubrics.insert(rubric_id, name);
        }
        Ok(())
    }

    /// Reads the label events of `item_id`, once for a run of rows about it.
    fn read_events(&mut self, item_id: i64) -> Result<(), StoreError> {
        if self.item_events.as_ref().is_none_or(|(item, _)| *item != item_id) {
            self.now = now_ms();
            if self.pending_events.iter().any(|row| row.item_id == item_id) {
                self.flush_events()?;
            }
            let mut events = match self.item_events.take() {
                // The last item's, reused.
                Some((_, mut events)) => {
                    events.clear();
                    events
                }
                None => Vec::new(),
            };
            if item_id > self.last_item_with_events {
                self.item_events = Some((item_id, events));
                return Ok(());
            }
            let mut rows = self.events.query([item_id])?;
            while let Some(row) = rows.next()? {
                let event = LabelEvent {
                    id: row.get(0)?,
                    value: row.get(1)?,
                    comment: row.get(2)?,
                    source: row.get(3)?,
                    created_at: row.get(4)?,
                };
                let rater = self.names.id(text_at(row, 5)?);
                let criterion = self.names.id(text_at(row, 6)?);
                let (id, created_at) = (event.id, event.created_at);
                events.push(ItemEvent { rater, criterion, rubric_id: row.get(7)?, id, created_at, read: Some(event) });
            }
            drop(rows);
            self.item_events = Some((item_id, events));
        }
        Ok(())
    }

    /// As [`Tx::confirm_where_assigned`], the state of each assignment read here: the
    /// newest of confirm, reopen and skip.
    pub fn confirm_where_assigned(
        &mut self,
        item_id: i64,
        rater: &str,
        rubric_name: &str,
    ) -> Result<usize, StoreError> {
        if !self.batches_of.contains_key(rubric_name) {
            let batches = self.batches.query_map([rubric_name], |row| row.get(0))?.collect::<Result<_, _>>()?;
            self.batches_of.insert(rubric_name.to_string(), batches);
        }
        if self.batches_of[rubric_name].is_empty() {
            return Ok(0);
        }
        if self.item_assignments.as_ref().is_none_or(|(item, _)| *item != item_id) {
            if self.items_with_pending_confirms.contains(item_id) {
                self.flush_confirms()?;
            }
            let mut assignments: Vec<Assignment> = match self.item_assignments.take() {
                // The last item's, reused.
                Some((_, mut assignments)) => {
                    assignments.clear();
                    assignments
                }
                None => Vec::new(),
            };
            if item_id > self.last_item_with_item_events {
                // No events: nothing is confirmed yet.
                let mut rows = self.assignments.query([item_id])?;
                while let Some(row) = rows.next()? {
                    let batch_id = row.get(0)?;
                    let rater = self.names.id(text_at(row, 1)?);
                    assignments.push(Assignment { batch_id, rater, confirmed: false });
                }
            } else {
                self.read_assignment_states(item_id, &mut assignments)?;
            }
            self.item_assignments = Some((item_id, assignments));
        }
        self.confirm_assigned(item_id, rater, rubric_name)
    }

    /// Reads the assignments of `item_id` into `assignments` with their states: the
    /// newest of confirm, reopen and skip.
    fn read_assignment_states(&mut self, item_id: i64, assignments: &mut Vec<Assignment>) -> Result<(), StoreError> {
        // The newest state-setting event of each assignment: (created_at, id).
        let mut newest: Vec<Option<(i64, i64)>> = Vec::new();
        let mut rows = self.assignments_with_events.query([item_id])?;
        while let Some(row) = rows.next()? {
            let batch_id: i64 = row.get(0)?;
            let rater = self.names.id(text_at(row, 1)?);
            let index = match assignments.iter().position(|a| a.batch_id == batch_id && a.rater == rater) {
                Some(index) => index,
                None => {
                    assignments.push(Assignment { batch_id, rater, confirmed: false });
                    newest.push(None);
                    assignments.len() - 1
                }
            };
            // Flags and notes leave the state as it was.
            let Some(action) = row
                .get::<_, Option<String>>(2)?
                .filter(|action| matches!(action.as_str(), "confirm" | "unconfirm" | "skip"))
            else {
                continue;
            };
            let key = (row.get::<_, i64>(3)?, row.get::<_, i64>(4)?);
            if newest[index].is_none_or(|best| key > best) {
                newest[index] = Some(key);
                assignments[index].confirmed = action == "confirm";
            }
        }
        Ok(())
    }

    /// Confirms `rater`'s unconfirmed assignments of `item_id`, whose assignments were
    /// read, in the batches of rubric `rubric_name`.
    fn confirm_assigned(&mut self, item_id: i64, rater: &str, rubric_name: &str) -> Result<usize, StoreError> {
        let batches_of_rubric = &self.batches_of[rubric_name];
        let rater = self.names.id(rater);
        let mut confirmed = 0;
        let now = self.now;
        for assignment in self.item_assignments.iter_mut().flat_map(|(_, assignments)| assignments) {
            if assignment.rater == rater && !assignment.confirmed && batches_of_rubric.contains(&assignment.batch_id) {
                assignment.confirmed = true;
                self.pending_confirms.push((assignment.batch_id, item_id, rater, now));
                self.items_with_pending_confirms.insert(item_id);
                self.last_item_with_item_events = self.last_item_with_item_events.max(item_id);
                confirmed += 1;
            }
        }
        if self.pending_confirms.len() >= CONFIRMS_HELD {
            self.flush_confirms()?;
        }
        Ok(confirmed)
    }
}

/// One stored label event, as a write compares against it.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelEvent {
    pub id: i64,
    /// JSON; `None` retracted the label.
    pub value: Option<String>,
    pub comment: Option<String>,
    pub source: String,
    /// Unix milliseconds.
    pub created_at: i64,
}

/// Whether `label` would change nothing over the rater's newest event `current`: the
/// same value and comment, or retracting a label that does not stand.
pub fn label_unchanged(current: Option<&LabelEvent>, label: &NewLabel) -> bool {
    match current {
        Some(event) => {
            let value = label.value.map(Value::to_string);
            event.value == value && (value.is_none() || event.comment.as_deref() == label.comment)
        }
        None => label.value.is_none(),
    }
}

impl Store {
    /// Current labels in `scope`, ordered by item external id, criterion, rater.
    pub fn current_labels(&self, scope: LabelScope) -> Result<Vec<CurrentLabel>, StoreError> {
        let mut statement = self.conn.prepare_cached(CURRENT_LABELS)?;
        let mut labels = Vec::new();
        each_current_label::<StoreError>(
            &mut statement,
            params![scope.rubric, scope.batch_id],
            |_| false,
            |label| {
                labels.push(CurrentLabel {
                    item_id: label.item_id,
                    item: label.item.to_string(),
                    rater: label.rater.to_string(),
                    criterion: label.criterion.to_string(),
                    value: label.value,
                    at: label.at,
                });
                Ok(())
            },
        )?;
        Ok(labels)
    }

    /// The current labels in `scope` that reports count, and how many golden-set labels
    /// were left out: a golden set imported back (`golden import`) is the consensus, not
    /// a rater, so it counts only with `include_golden`.
    pub fn rater_labels(
        &self,
        scope: LabelScope,
        include_golden: bool,
    ) -> Result<(Vec<CurrentLabel>, usize), StoreError> {
        let mut labels = self.current_labels(scope)?;
        if include_golden {
            return Ok((labels, 0));
        }
        let golden = self.golden_raters()?;
        let before = labels.len();
        labels.retain(|label| !golden.contains(&label.rater));
        let left_out = before - labels.len();
        Ok((labels, left_out))
    }

    /// The same labels as [`Store::rater_labels`], in the same order, handed to `each` one
    /// at a time instead of held at once (a million labels with their strings are
    /// hundreds of megabytes). Returns how many golden-set labels were left out.
    pub fn each_rater_label<E: From<StoreError>>(
        &self,
        scope: LabelScope,
        include_golden: bool,
        each: impl FnMut(LabelRow<'_>) -> Result<(), E>,
    ) -> Result<usize, E> {
        let golden = if include_golden { Default::default() } else { self.golden_raters()? };
        let mut statement = self.conn.prepare_cached(CURRENT_LABELS).map_err(StoreError::from)?;
        each_current_label(&mut statement, params![scope.rubric, scope.batch_id], |rater| golden.contains(rater), each)
    }

    /// The current labels in `scope`, golden-set raters' included, read once into a
    /// [`LabelSet`]: a report (or every report of `report all`) walks it as often as it
    /// needs without reading the store again or holding each label's strings. The same
    /// labels in the same order as [`Store::current_labels`], read without its window
    /// and sorts (a quarter of the time on a million labels): the events come in the
    /// order of their index, so each label's events are together and the newest is
    /// kept as they pass; the labels are then ordered here.
    pub fn label_set(&self, scope: LabelScope) -> Result<LabelSet, StoreError> {
        let golden = self.golden_raters()?;
        let mut set = LabelSet::default();
        // Events come by item id: an item's are together, so only a change of item is a
        // new item; a rater's labels of an item are together too.
        let mut last_item: Option<(i64, u32)> = None;
        let mut last_rater: Option<u32> = None;
        let mut raters: HashMap<String, u32> = HashMap::new();
        let mut criteria: HashMap<String, u32> = HashMap::new();
        let mut values: HashMap<String, u32> = HashMap::new();
        let mut statement = self.conn.prepare_cached(RATER_EVENTS)?;
        let mut rows = statement.query(params![scope.rubric, scope.batch_id])?;
        // The newest event so far of the label being read: (time, id) and the label,
        // its value `None` when the event retracted it.
        let mut newest: Option<((i64, i64), Packed, Option<u32>)> = None;
        while let Some(row) = rows.next()? {
            let text = |index: usize| row.get_ref(index).and_then(|value| Ok(value.as_str()?));
            let item_id: i64 = row.get(0)?;
            let item = match last_item {
                Some((id, index)) if id == item_id => index,
                _ => {
                    set.items.push(text(1)?.to_string());
                    let index = intern_index(set.items.len())?;
                    last_item = Some((item_id, index));
                    index
                }
            };
            let rater = match last_rater {
                Some(index) if set.raters[index as usize] == text(2)? => index,
                _ => intern(&mut raters, &mut set.raters, text(2)?)?,
            };
            last_rater = Some(rater);
            if set.golden.len() < set.raters.len() {
                set.golden.push(golden.contains(text(2)?));
            }
            let criterion = intern(&mut criteria, &mut set.criteria, text(3)?)?;
            let order: (i64, i64) = (row.get(5)?, row.get(6)?);
            let label = Packed { item_id, at: order.0, item, rater, criterion, value: 0, comment: NO_COMMENT };
            if let Some((best, held, _)) = &newest {
                let same = (held.item_id, held.rater, held.criterion) == (item_id, rater, criterion);
                if same && *best > order {
                    continue;
                }
                if !same {
                    set.push(newest.take());
                }
            }
            let value_text = row.get_ref(4).and_then(|value| Ok(value.as_str_or_null()?))?;
            let value = match value_text {
                None => None,
                Some(value_text) => Some(match values.get(value_text) {
                    Some(&index) => index,
                    None => {
                        set.values.push(parse_json("label_events.value", value_text)?);
                        let index = intern_index(set.values.len())?;
                        values.insert(value_text.to_string(), index);
                        index
                    }
                }),
            };
            let comment = match row.get_ref(7).and_then(|value| Ok(value.as_str_or_null()?))? {
                Some(comment) => {
                    set.comments.push(comment.to_string());
                    intern_index(set.comments.len())?
                }
                None => NO_COMMENT,
            };
            newest = Some((order, Packed { comment, ..label }, value));
        }
        set.push(newest);
        set.sort();
        Ok(set)
    }

    /// Raters whose labels came from a golden set: imported by `golden import` (their
    /// events' source starts with `golden:`), or named `golden:...` as `golden import`
    /// names them by default (stores written before the source was marked).
    pub fn golden_raters(&self) -> Result<std::collections::BTreeSet<String>, StoreError> {
        // `label_raters` is kept by a trigger on label_events (migration 0005).
        let mut statement = self
            .conn
            .prepare_cached("SELECT name FROM label_raters WHERE golden = 1 OR substr(name, 1, 7) = 'golden:'")?;
        let raters = statement.query_map([], |row| row.get(0))?.collect::<Result<_, _>>()?;
        Ok(raters)
    }

    /// Every current label of one item (any rubric), by criterion and rater.
    pub fn labels_of_item(&self, item_id: i64) -> Result<Vec<CurrentLabel>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT item_id, external_id, rater, criterion, value, created_at FROM (
                 SELECT e.item_id, i.external_id, e.rater, e.criterion, e.value, e.created_at,
                        row_number() OVER (PARTITION BY r.name, e.rater, e.criterion ORDER BY e.created_at DESC, e.id DESC) AS newest
                 FROM label_events e
                 JOIN rubrics r ON r.id = e.rubric_id
                 JOIN items i ON i.id = e.item_id
                 WHERE e.item_id = ?1)
             WHERE newest = 1 AND value IS NOT NULL
             ORDER BY criterion, rater",
        )?;
        current_labels(&mut statement, [item_id])
    }

    /// One rater's current values for one item under rubric `rubric`, by criterion.
    pub fn rater_values(&self, item_id: i64, rater: &str, rubric: &str) -> Result<Vec<(String, Value)>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT criterion, value FROM (
                 SELECT e.criterion, e.value,
                        row_number() OVER (PARTITION BY e.criterion ORDER BY e.created_at DESC, e.id DESC) AS newest
                 FROM label_events e JOIN rubrics r ON r.id = e.rubric_id
                 WHERE e.item_id = ?1 AND e.rater = ?2 AND r.name = ?3)
             WHERE newest = 1 AND value IS NOT NULL ORDER BY criterion",
        )?;
        let rows: Vec<(String, String)> = statement
            .query_map(params![item_id, rater, rubric], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<Result<_, _>>()?;
        rows.into_iter().map(|(criterion, value)| Ok((criterion, parse_json("label_events.value", &value)?))).collect()
    }

    /// The standing adjudications in `scope` (the newest event of each item and
    /// criterion, unless it withdrew), by item id and criterion.
    pub fn adjudications(&self, scope: LabelScope) -> Result<Vec<Adjudication>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT item_id, criterion, value, rationale, adjudicator, created_at FROM (
                 SELECT a.item_id, a.criterion, a.value, a.rationale, a.adjudicator, a.created_at,
                        row_number() OVER (PARTITION BY a.item_id, a.criterion ORDER BY a.created_at DESC, a.id DESC) AS newest
                 FROM adjudications a JOIN rubrics r ON r.id = a.rubric_id
                 WHERE r.name = ?1
                   AND (?2 IS NULL OR a.item_id IN (SELECT item_id FROM batch_items WHERE batch_id = ?2)))
             WHERE newest = 1 AND value IS NOT NULL ORDER BY item_id, criterion",
        )?;
        adjudication_rows(&mut statement, params![scope.rubric, scope.batch_id])
    }

    /// The standing adjudications of one item under rubric `rubric`, by criterion.
    pub fn adjudications_of_item(&self, item_id: i64, rubric: &str) -> Result<Vec<Adjudication>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT item_id, criterion, value, rationale, adjudicator, created_at FROM (
                 SELECT a.item_id, a.criterion, a.value, a.rationale, a.adjudicator, a.created_at,
                        row_number() OVER (PARTITION BY a.criterion ORDER BY a.created_at DESC, a.id DESC) AS newest
                 FROM adjudications a JOIN rubrics r ON r.id = a.rubric_id
                 WHERE a.item_id = ?1 AND r.name = ?2)
             WHERE newest = 1 AND value IS NOT NULL ORDER BY criterion",
        )?;
        adjudication_rows(&mut statement, params![item_id, rubric])
    }

    /// The id of the newest label event in `scope`: where an export's data ends.
    pub fn last_label_event(&self, scope: LabelScope) -> Result<Option<i64>, StoreError> {
        Ok(self.conn.query_row(
            "SELECT max(e.id) FROM label_events e JOIN rubrics r ON r.id = e.rubric_id
             WHERE r.name = ?1
               AND (?2 IS NULL OR e.item_id IN (SELECT item_id FROM batch_items WHERE batch_id = ?2))",
            params![scope.rubric, scope.batch_id],
            |row| row.get(0),
        )?)
    }
}

/// Current labels in `scope` (?1 rubric name, ?2 batch id or NULL): (item id, external
/// id, rater, criterion, value JSON, time), by external id, criterion and rater.
/// Every label event in scope, ordered as the current labels are handed out (by external
/// id, criterion, rater); [`each_current_label`] keeps the newest event of each item,
/// rater and criterion. Items are walked in external-id order through their unique
/// index, and each item's events found through `label_events_current`, so SQLite sorts
/// only the few events of one item at a time, never every label (a window over all
/// events and a sort of them all took four times as long on 1.8M labels).
const CURRENT_LABELS: &str = "SELECT e.item_id, i.external_id, e.rater, e.criterion, e.value, e.created_at, e.id
    FROM items i CROSS JOIN label_events e ON e.item_id = i.id
    JOIN rubrics r ON r.id = e.rubric_id
    WHERE r.name = ?1
      AND (?2 IS NULL OR e.item_id IN (SELECT item_id FROM batch_items WHERE batch_id = ?2))
    ORDER BY i.external_id, e.criterion, e.rater";

/// Hands `each` the current label of every item, rater and criterion that [`CURRENT_LABELS`]
/// reads: the newest event (by time, then id) of each, unless it cleared the value.
/// Returns how many current labels `skip` (given the rater) left out.
fn each_current_label<E: From<StoreError>>(
    statement: &mut rusqlite::CachedStatement,
    params: impl rusqlite::Params,
    mut skip: impl FnMut(&str) -> bool,
    mut each: impl FnMut(LabelRow<'_>) -> Result<(), E>,
) -> Result<usize, E> {
    /// The newest event so far of one item, rater and criterion (buffers reused).
    #[derive(Default)]
    struct Newest {
        item_id: i64,
        item: String,
        rater: String,
        criterion: String,
        value: Option<String>,
        at: i64,
        id: i64,
    }
    let mut newest: Option<Newest> = None;
    let mut spare = Newest::default();
    let mut left_out = 0;
    let mut emit = |label: &Newest, left_out: &mut usize| -> Result<(), E> {
        let Some(value) = &label.value else { return Ok(()) };
        if skip(&label.rater) {
            *left_out += 1;
            return Ok(());
        }
        let value = parse_json("label_events.value", value)?;
        each(LabelRow {
            item_id: label.item_id,
            item: &label.item,
            rater: &label.rater,
            criterion: &label.criterion,
            value,
            at: label.at,
        })
    };
    let mut rows = statement.query(params).map_err(StoreError::from)?;
    while let Some(row) = rows.next().map_err(StoreError::from)? {
        let read = || -> Result<_, rusqlite::Error> {
            let text = |index: usize| row.get_ref(index).and_then(|value| Ok(value.as_str()?));
            let value = row.get_ref(4)?;
            let value = if value == rusqlite::types::ValueRef::Null { None } else { Some(value.as_str()?) };
            Ok((
                row.get::<_, i64>(0)?,
                text(1)?,
                text(2)?,
                text(3)?,
                value,
                row.get::<_, i64>(5)?,
                row.get::<_, i64>(6)?,
            ))
        };
        let (item_id, item, rater, criterion, value, at, id) = read().map_err(StoreError::from)?;
        if let Some(current) = &mut newest
            && current.item_id == item_id
            && current.rater == rater
            && current.criterion == criterion
        {
            if (at, id) > (current.at, current.id) {
                current.value = value.map(str::to_string);
                (current.at, current.id) = (at, id);
            }
            continue;
        }
        if let Some(done) = newest.take() {
            emit(&done, &mut left_out)?;
            spare = done;
        }
        let mut next = std::mem::take(&mut spare);
        next.item_id = item_id;
        for (buffer, text) in [(&mut next.item, item), (&mut next.rater, rater), (&mut next.criterion, criterion)] {
            buffer.clear();
            buffer.push_str(text);
        }
        next.value = value.map(str::to_string);
        (next.at, next.id) = (at, id);
        newest = Some(next);
    }
    if let Some(done) = newest {
        emit(&done, &mut left_out)?;
    }
    Ok(left_out)
}

/// The current labels of one scope, in the order of [`Store::current_labels`], held
/// compactly: item ids, raters, criteria and values are each stored once and a label is
/// their indices (32 bytes), so a million labels cost tens of megabytes, not hundreds.
#[derive(Debug, Default)]
pub struct LabelSet {
    /// As read: each item's labels together, sorted within the item.
    labels: Vec<Packed>,
    /// The items' ranges of `labels`, in external id order.
    runs: Vec<std::ops::Range<usize>>,
    /// External ids, raters, criterion keys and values, by index.
    items: Vec<String>,
    raters: Vec<String>,
    /// Per rater: whether their labels come from a golden set ([`Store::golden_raters`]).
    golden: Vec<bool>,
    criteria: Vec<String>,
    values: Vec<Value>,
    /// Comments, by index (each label's own: comments are rarely alike).
    comments: Vec<String>,
}

/// A label without a comment.
const NO_COMMENT: u32 = u32::MAX;

#[derive(Debug, Clone, Copy)]
struct Packed {
    item_id: i64,
    at: i64,
    item: u32,
    rater: u32,
    criterion: u32,
    value: u32,
    comment: u32,
}

/// One label of a [`LabelSet`], borrowed from it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LabelRef<'s> {
    pub item_id: i64,
    /// The item's external id.
    pub item: &'s str,
    pub rater: &'s str,
    pub criterion: &'s str,
    pub value: &'s Value,
    /// The same index for the same value (the same JSON text) anywhere in the set.
    pub value_id: u32,
    /// When the label was given (unix milliseconds).
    pub at: i64,
    /// The rater's comment on the label, as written.
    pub comment: Option<&'s str>,
}

impl LabelSet {
    /// Keeps the newest event of a label unless it retracted the label.
    fn push(&mut self, newest: Option<((i64, i64), Packed, Option<u32>)>) {
        if let Some((_, label, Some(value))) = newest {
            self.labels.push(Packed { value, ..label });
        }
    }

    /// In [`Store::current_labels`]'s order: by external id, criterion, rater (as
    /// SQLite compares text: bytes, as Rust does). Each item's labels (together, as read)
    /// are sorted in place, and the items are put in order as runs: no label moves
    /// between items, and the million-label sort is 200,000 runs'.
    fn sort(&mut self) {
        fn ranks(names: &[String]) -> Vec<u32> {
            let mut order: Vec<usize> = (0..names.len()).collect();
            order.sort_unstable_by(|&a, &b| names[a].cmp(&names[b]));
            let mut rank = vec![0; names.len()];
            for (position, index) in order.into_iter().enumerate() {
                rank[index] = position as u32;
            }
            rank
        }
        let (criteria, raters) = (ranks(&self.criteria), ranks(&self.raters));
        let mut start = 0;
        for run in self.labels.chunk_by_mut(|a, b| a.item_id == b.item_id) {
            run.sort_unstable_by_key(|label| (criteria[label.criterion as usize], raters[label.rater as usize]));
            self.runs.push(start..start + run.len());
            start += run.len();
        }
        let items = ranks(&self.items);
        let labels = &self.labels;
        self.runs.sort_by_key(|run| items[labels[run.start].item as usize]);
    }

    /// Labels counted, and how many golden-set labels leaving them out drops (none
    /// `with_golden`): as [`Store::rater_labels`].
    pub fn golden_left_out(&self, with_golden: bool) -> usize {
        if with_golden { 0 } else { self.labels.iter().filter(|label| self.golden[label.rater as usize]).count() }
    }

    /// Every label counted (golden-set raters' only `with_golden`), in order.
    pub fn labels(&self, with_golden: bool) -> impl Iterator<Item = LabelRef<'_>> {
        let labels = self.runs.iter().flat_map(|run| &self.labels[run.clone()]);
        labels.filter(move |label| with_golden || !self.golden[label.rater as usize]).map(|label| LabelRef {
            item_id: label.item_id,
            item: &self.items[label.item as usize],
            rater: &self.raters[label.rater as usize],
            criterion: &self.criteria[label.criterion as usize],
            value: &self.values[label.value as usize],
            value_id: label.value,
            at: label.at,
            comment: self.comments.get(label.comment as usize).map(String::as_str),
        })
    }

    /// Calls `each` with the labels of one item at a time (they are contiguous: sorted
    /// by external id), in order; items left without a label are skipped.
    pub fn each_item<'s, E>(
        &'s self,
        with_golden: bool,
        mut each: impl FnMut(&[LabelRef<'s>]) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut held: Vec<LabelRef> = Vec::new();
        for label in self.labels(with_golden) {
            if held.last().is_some_and(|last| last.item_id != label.item_id) {
                each(&held)?;
                held.clear();
            }
            held.push(label);
        }
        if !held.is_empty() {
            each(&held)?;
        }
        Ok(())
    }

    /// How many distinct values the set holds (one more than the largest `value_id`).
    pub fn distinct_values(&self) -> usize {
        self.values.len()
    }
}

/// The index the next interned string gets, as stored.
fn intern_index(len: usize) -> Result<u32, StoreError> {
    u32::try_from(len - 1).map_err(|_| StoreError::Invalid("more than 4 billion distinct label strings".into()))
}

fn intern(index: &mut HashMap<String, u32>, names: &mut Vec<String>, name: &str) -> Result<u32, StoreError> {
    if let Some(&found) = index.get(name) {
        return Ok(found);
    }
    names.push(name.to_string());
    let found = intern_index(names.len())?;
    index.insert(name.to_string(), found);
    Ok(found)
}

/// Label events in `scope` (?1 rubric name, ?2 batch id or NULL): (item id, external
/// id, rater, criterion, value JSON or NULL, time, id, comment), each label's events together (by
/// the index `label_events_current`, no sort).
const RATER_EVENTS: &str =
    "SELECT e.item_id, i.external_id, e.rater, e.criterion, e.value, e.created_at, e.id, e.comment
    FROM label_events e JOIN items i ON i.id = e.item_id
    WHERE e.rubric_id IN (SELECT id FROM rubrics WHERE name = ?1)
      AND (?2 IS NULL OR e.item_id IN (SELECT item_id FROM batch_items WHERE batch_id = ?2))
    ORDER BY e.item_id, e.rater, e.criterion";

/// One current label, borrowed from the row it was read from.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelRow<'r> {
    pub item_id: i64,
    /// The item's external id.
    pub item: &'r str,
    pub rater: &'r str,
    pub criterion: &'r str,
    pub value: Value,
    /// When the label was given (unix milliseconds).
    pub at: i64,
}

/// Rows of (item id, external id, rater, criterion, value JSON, time) as labels.
fn current_labels(
    statement: &mut rusqlite::CachedStatement,
    params: impl rusqlite::Params,
) -> Result<Vec<CurrentLabel>, StoreError> {
    type Row = (i64, String, String, String, String, i64);
    let rows: Vec<Row> = statement
        .query_map(params, |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?)))?
        .collect::<Result<_, _>>()?;
    rows.into_iter()
        .map(|(item_id, item, rater, criterion, value, at)| {
            let value = parse_json("label_events.value", &value)?;
            Ok(CurrentLabel { item_id, item, rater, criterion, value, at })
        })
        .collect()
}

/// Rows of (item id, criterion, value JSON, rationale, adjudicator, time) as adjudications.
fn adjudication_rows(
    statement: &mut rusqlite::CachedStatement,
    params: impl rusqlite::Params,
) -> Result<Vec<Adjudication>, StoreError> {
    type Row = (i64, String, String, Option<String>, String, i64);
    let rows: Vec<Row> = statement
        .query_map(params, |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?)))?
        .collect::<Result<_, _>>()?;
    rows.into_iter()
        .map(|(item_id, criterion, value, rationale, adjudicator, at)| {
            let value = parse_json("adjudications.value", &value)?;
            Ok(Adjudication { item_id, criterion, value, rationale, adjudicator, at })
        })
        .collect()
}

impl Tx<'_> {
    /// A rater's current values on an item under the rubric of `rubric_id` (any version),
    /// as (criterion, value): what a criterion's `when` is checked against.
    pub fn current_values(
        &self,
        item_id: i64,
        rater: &str,
        rubric_id: i64,
    ) -> Result<Vec<(String, Value)>, StoreError> {
        let mut statement = self.tx.prepare_cached(
            "SELECT criterion, value FROM (
                 SELECT e.criterion, e.value, row_number() OVER (PARTITION BY e.criterion
                        ORDER BY e.created_at DESC, e.id DESC) AS newest
                 FROM label_events e JOIN rubrics r ON r.id = e.rubric_id
                 WHERE e.item_id = ?1 AND e.rater = ?2 AND r.name = (SELECT name FROM rubrics WHERE id = ?3))
             WHERE newest = 1 AND value IS NOT NULL",
        )?;
        let rows: Vec<(String, String)> = statement
            .query_map(params![item_id, rater, rubric_id], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<Result<_, _>>()?;
        rows.into_iter().map(|(criterion, value)| Ok((criterion, parse_json("label_events.value", &value)?))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::ItemSet;

    #[test]
    fn an_item_set_holds_any_id_and_forgets_them_when_cleared() {
        let mut set = ItemSet::default();
        let ids = [1, 63, 64, 65, ItemSet::BITS - 1, ItemSet::BITS, 1 << 40, i64::MAX, -1];
        for (index, id) in ids.iter().enumerate() {
            assert!(!set.contains(*id), "{id} before it was added");
            set.insert(*id);
            assert!(ids[..=index].iter().all(|id| set.contains(*id)), "{id}");
            assert!(!set.contains(2) && !set.contains(ItemSet::BITS + 1), "{id}");
        }
        // Ids far above the bits do not grow them.
        assert!(set.words.len() <= (ItemSet::BITS / 64) as usize);
        set.clear();
        assert!(ids.iter().all(|id| !set.contains(*id)));
    }
}
