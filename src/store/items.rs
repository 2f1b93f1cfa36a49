//! Items: insert, update on request, look up.

use std::sync::OnceLock;

use rusqlite::{Row, params};
use serde_json::Map;

use super::{Store, StoreError, Tx, now_ms, optional, parse_json};
use crate::model::{Item, Shape};

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

const ITEM_COLUMNS: &str = "id, external_id, dataset, input, output, reference, context, metadata, judge, shape";

type ItemRow = (i64, Item, [String; 3], Option<String>);

fn item_from_row(row: &Row) -> rusqlite::Result<ItemRow> {
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
            shape: Shape::Single,
        },
        [row.get(6)?, row.get(7)?, row.get(8)?],
        row.get(9)?,
    ))
}

fn decode((id, mut item, [context, metadata, judge], shape): ItemRow) -> Result<(i64, Item), StoreError> {
    item.context = parse_json("items.context", &context)?;
    item.metadata = parse_json("items.metadata", &metadata)?;
    item.judge = parse_json("items.judge", &judge)?;
    item.shape = parse_shape(shape.as_deref())?;
    Ok((id, item))
}

/// Reads the `shape` column (see [`Shape::to_json`]).
pub(super) fn parse_shape(text: Option<&str>) -> Result<Shape, StoreError> {
    Shape::from_json(text).map_err(|cause| StoreError::Json { column: "items.shape", cause })
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    // Strings, string lists and JSON maps always serialise.
    serde_json::to_string(value).unwrap_or_default()
}

/// What an item's columns hold as JSON: context, metadata, judge and shape.
#[derive(Debug, Clone)]
struct Columns {
    context: String,
    metadata: String,
    judge: String,
    shape: Option<String>,
}

impl Columns {
    fn of(item: &Item) -> Columns {
        let context = to_json(&item.context);
        let metadata = to_json(&item.metadata);
        let judge = to_json(&item.judge);
        Columns { context, metadata, judge, shape: item.shape.to_json() }
    }

    /// The content hash of `item`, whose context, metadata and judge these columns hold
    /// ([`Item::content_hash_with`]: its texts and shape come from `item`).
    fn hash(&self, item: &Item) -> String {
        item.content_hash_with(&self.context, &self.metadata, &self.judge)
    }
}

/// An item with its columns' JSON already made: serialising costs about as much as
/// the insert itself, so an import makes it on another thread than the one that writes
/// ([`Tx::upsert_items`]), which hashes the content (that balances the two threads'
/// work). It keeps the item's texts and shape; its context, metadata and judge live on
/// only as JSON, the rest freed where it was made.
#[derive(Debug, Clone)]
pub struct PreparedItem {
    item: Item,
    columns: Columns,
}

impl PreparedItem {
    pub fn new(mut item: Item) -> PreparedItem {
        let columns = Columns::of(&item);
        item.context = Vec::new();
        item.metadata = Map::new();
        item.judge = Map::new();
        PreparedItem { item, columns }
    }

    fn hash(&self) -> String {
        self.columns.hash(&self.item)
    }

    /// The item's external id.
    pub fn id(&self) -> &str {
        &self.item.id
    }

    /// Bytes of text it holds (its texts and its columns' JSON), to bound what an import
    /// holds at once.
    pub fn text_len(&self) -> usize {
        let Item { id, dataset, input, output, reference, .. } = &self.item;
        let Columns { context, metadata, judge, shape } = &self.columns;
        [id, dataset, input, output, context, metadata, judge].iter().map(|text| text.len()).sum::<usize>()
            + reference.as_ref().map_or(0, String::len)
            + shape.as_ref().map_or(0, String::len)
    }
}

/// Rows one INSERT statement writes in [`Tx::upsert_items`]: one statement per row pays
/// SQLite's per-statement work (VDBE start, index seek from the root) on every row, and
/// a long statement holds a copy of every text bound to it (hundreds of allocations
/// that outgrow the allocator's per-thread cache). The writing thread's CPU on 800k
/// items, relative to the reading thread's: 1.06 at 1 row, 0.83 at 10, 0.95 at 50.
const ROWS_PER_INSERT: usize = 10;
/// Columns each inserted row binds.
const INSERT_COLUMNS: usize = 13;

/// The INSERT of one item, or of [`ROWS_PER_INSERT`] items when `many`, each new id
/// stored and each existing one left alone; made once per process.
fn insert_sql(many: bool) -> &'static str {
    static ONE: OnceLock<String> = OnceLock::new();
    static MANY: OnceLock<String> = OnceLock::new();
    let rows = if many { ROWS_PER_INSERT } else { 1 };
    let make = || {
        let group = format!("({})", vec!["?"; INSERT_COLUMNS].join(", "));
        // `OR IGNORE` leaves out a row whose id exists, as `ON CONFLICT (external_id) DO
        // NOTHING` would (the other constraints, NOT NULL, hold for every row bound), and
        // it cannot abort midway: so SQLite keeps no statement journal, which otherwise
        // copies every page a many-row statement touches.
        format!(
            "INSERT OR IGNORE INTO items (external_id, dataset, input, output, reference, context, metadata,
                                          judge, content_hash, source_file, source_line, imported_at, shape)
             VALUES {}",
            vec![group.as_str(); rows].join(", ")
        )
    };
    if many { MANY.get_or_init(make) } else { ONE.get_or_init(make) }
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
        let columns = Columns::of(item);
        self.upsert_one(item, &columns, &columns.hash(item), source, line, on_conflict)
    }

    /// [`Tx::upsert_item`] for each of `rows` (an item and the line of `source` it came
    /// from), in order: what became of each. New ids, the common case, are inserted many
    /// to a statement; only when a statement leaves a row out (its id exists) does each
    /// of its rows get a look-up, to tell which and decide as [`Tx::upsert_item`] does.
    pub fn upsert_items(
        &self,
        rows: &[(PreparedItem, u64)],
        source: &str,
        on_conflict: OnConflict,
    ) -> Result<Vec<Upsert>, StoreError> {
        let mut done = Vec::with_capacity(rows.len());
        let mut chunks = rows.chunks_exact(ROWS_PER_INSERT);
        for chunk in &mut chunks {
            let hashes: Vec<String> = chunk.iter().map(|(prepared, _)| prepared.hash()).collect();
            // Rowids past the largest are the rows this statement inserts (SQLite gives a
            // new row the largest rowid plus one until that would overflow).
            let before: i64 =
                self.tx.prepare_cached("SELECT coalesce(max(id), 0) FROM items")?.query_row([], |row| row.get(0))?;
            if before > i64::MAX - ROWS_PER_INSERT as i64 {
                for ((prepared, line), hash) in chunk.iter().zip(&hashes) {
                    done.push(self.upsert_one(&prepared.item, &prepared.columns, hash, source, *line, on_conflict)?);
                }
                continue;
            }
            let now = now_ms();
            let mut statement = self.tx.prepare_cached(insert_sql(true))?;
            for (row, ((PreparedItem { item, columns }, line), hash)) in chunk.iter().zip(&hashes).enumerate() {
                let at = row * INSERT_COLUMNS;
                statement.raw_bind_parameter(at + 1, &item.id)?;
                statement.raw_bind_parameter(at + 2, &item.dataset)?;
                statement.raw_bind_parameter(at + 3, &item.input)?;
                statement.raw_bind_parameter(at + 4, &item.output)?;
                statement.raw_bind_parameter(at + 5, &item.reference)?;
                statement.raw_bind_parameter(at + 6, &columns.context)?;
                statement.raw_bind_parameter(at + 7, &columns.metadata)?;
                statement.raw_bind_parameter(at + 8, &columns.judge)?;
                statement.raw_bind_parameter(at + 9, hash)?;
                statement.raw_bind_parameter(at + 10, source)?;
                statement.raw_bind_parameter(at + 11, *line as i64)?;
                statement.raw_bind_parameter(at + 12, now)?;
                statement.raw_bind_parameter(at + 13, &columns.shape)?;
            }
            let inserted = statement.raw_execute()?;
            if inserted == chunk.len() {
                for _ in chunk {
                    self.bulk_item();
                    done.push(Upsert::Inserted);
                }
                continue;
            }
            // Some ids existed (or came twice): the first row of each id the statement
            // inserted is new; every other row is decided against what is stored now.
            let mut claimed = std::collections::HashSet::new();
            for ((PreparedItem { item, columns }, line), hash) in chunk.iter().zip(&hashes) {
                let existing = self.existing(&item.id)?;
                match existing {
                    Some((id, ..)) if id > before && claimed.insert(id) => {
                        self.bulk_item();
                        done.push(Upsert::Inserted);
                    }
                    _ => done.push(self.decide(item, columns, hash, existing, source, *line, on_conflict)?),
                }
            }
        }
        for (prepared, line) in chunks.remainder() {
            let hash = prepared.hash();
            done.push(self.upsert_one(&prepared.item, &prepared.columns, &hash, source, *line, on_conflict)?);
        }
        Ok(done)
    }

    fn upsert_one(
        &self,
        item: &Item,
        columns: &Columns,
        hash: &str,
        source: &str,
        line: u64,
        on_conflict: OnConflict,
    ) -> Result<Upsert, StoreError> {
        // Insert first: a new id (the common case) then costs one probe of the ids' index,
        // not a lookup and an insert.
        let inserted = self.tx.prepare_cached(insert_sql(false))?.execute(params![
            item.id,
            item.dataset,
            item.input,
            item.output,
            item.reference,
            columns.context,
            columns.metadata,
            columns.judge,
            hash,
            source,
            line as i64,
            now_ms(),
            columns.shape
        ])?;
        if inserted == 1 {
            self.bulk_item();
            return Ok(Upsert::Inserted);
        }
        let existing = self.existing(&item.id)?;
        self.decide(item, columns, hash, existing, source, line, on_conflict)
    }

    /// The stored item with external id `external_id`: its rowid, content hash, dataset
    /// and where it came from (`FILE:LINE`).
    fn existing(&self, external_id: &str) -> Result<Option<(i64, String, String, String)>, StoreError> {
        optional(
            self.tx
                .prepare_cached(
                    "SELECT id, content_hash, dataset, coalesce(source_file, '') || ':' || coalesce(source_line, '')
                     FROM items WHERE external_id = ?1",
                )?
                .query_row([external_id], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))),
        )
    }

    /// What to do with `item`, whose id is already stored as `existing`.
    // The row as bound (item, columns, hash) and where it came from: each is needed.
    #[allow(clippy::too_many_arguments)]
    fn decide(
        &self,
        item: &Item,
        columns: &Columns,
        hash: &str,
        existing: Option<(i64, String, String, String)>,
        source: &str,
        line: u64,
        on_conflict: OnConflict,
    ) -> Result<Upsert, StoreError> {
        match existing {
            None => Err(StoreError::Invalid(format!("item `{}` could be neither inserted nor found", item.id))),
            Some((_, existing_hash, _, _)) if existing_hash == hash => Ok(Upsert::Unchanged),
            Some((_, old_hash, dataset, origin)) => match on_conflict {
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
                                              judge = ?7, content_hash = ?8, source_file = ?9, source_line = ?10,
                                              shape = ?11
                             WHERE external_id = ?1",
                        )?
                        .execute(params![
                            item.id,
                            item.input,
                            item.output,
                            item.reference,
                            columns.context,
                            columns.metadata,
                            columns.judge,
                            hash,
                            source,
                            line as i64,
                            columns.shape
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

    /// The shape of item `item_id` (its messages or candidates), without its other texts.
    pub fn item_shape(&self, item_id: i64) -> Result<Shape, StoreError> {
        let shape: Option<String> =
            self.tx.prepare_cached("SELECT shape FROM items WHERE id = ?1")?.query_row([item_id], |row| row.get(0))?;
        parse_shape(shape.as_deref())
    }

    pub fn item_id(&self, external_id: &str) -> Result<Option<i64>, StoreError> {
        optional(
            self.tx
                .prepare_cached("SELECT id FROM items WHERE external_id = ?1")?
                .query_row([external_id], |row| row.get(0)),
        )
    }

    /// The candidates' ids of a comparison item (none for the other shapes), for checking
    /// the side a labels file says a rater saw.
    pub fn candidate_ids(&self, item_id: i64) -> Result<Vec<String>, StoreError> {
        let shape: Option<String> =
            self.tx.prepare_cached("SELECT shape FROM items WHERE id = ?1")?.query_row([item_id], |row| row.get(0))?;
        Ok(parse_shape(shape.as_deref())?.candidates().iter().map(|candidate| candidate.id.clone()).collect())
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
                "SELECT id, external_id, dataset, '', '', NULL, '[]', metadata, judge, NULL FROM items WHERE id = ?1",
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

    /// Calls `each` on every item in `dataset` and in batch `batch` (all when `None`) that
    /// carries judge scores, in id order, with the judge's value of each of `judge_keys`
    /// as JSON text, picked out of the judge object without building it (no map, no
    /// string per item): what estimates over a whole dataset need, fast at a million
    /// items. The item (external id, dataset, metadata; no texts, no judge) is read only
    /// `with_metadata`, to slice by it.
    pub fn each_judged<E: From<StoreError>>(
        &self,
        dataset: Option<&str>,
        batch: Option<i64>,
        judge_keys: &[&str],
        with_metadata: bool,
        mut each: impl FnMut(JudgedRow<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        // Without a batch, no batch clause at all: this scan of a million rows is
        // `estimate`'s hot path.
        let in_batch =
            if batch.is_some() { " AND id IN (SELECT item_id FROM batch_items WHERE batch_id = ?3)" } else { "" };
        let mut statement = self
            .conn
            .prepare_cached(&format!(
                "SELECT id, CASE WHEN ?2 THEN external_id END, dataset, CASE WHEN ?2 THEN metadata END, judge
                 FROM items WHERE (?1 IS NULL OR dataset = ?1) AND judge <> '{{}}'{in_batch} ORDER BY id"
            ))
            .map_err(StoreError::from)?;
        let rows = match batch {
            Some(batch) => statement.query(params![dataset, with_metadata, batch]),
            None => statement.query(params![dataset, with_metadata]),
        };
        let mut rows = rows.map_err(StoreError::from)?;
        while let Some(row) = rows.next().map_err(StoreError::from)? {
            let (id, item, judge) = judged_row(row, with_metadata)?;
            let mut scores = vec![None; judge_keys.len()];
            pick_keys(judge, judge_keys, &mut scores)?;
            each(JudgedRow { id, item: item.as_ref(), scores: &scores })?;
        }
        Ok(())
    }
}

/// A row of [`Store::each_judged`]'s query: the id, the item when metadata is read, and
/// the judge object's text (borrowed from the row).
fn judged_row<'r>(row: &'r Row<'_>, with_metadata: bool) -> Result<(i64, Option<Item>, &'r str), StoreError> {
    let id: i64 = row.get(0)?;
    let item = if with_metadata {
        let (external_id, dataset, metadata): (String, String, String) = (row.get(1)?, row.get(2)?, row.get(3)?);
        Some(Item { id: external_id, dataset, metadata: parse_json("items.metadata", &metadata)?, ..Item::default() })
    } else {
        None
    };
    let judge = row.get_ref(4)?.as_str().map_err(rusqlite::Error::from)?;
    Ok((id, item, judge))
}

/// Sets `found[k]` to the raw JSON text of `keys[k]`'s value in the object `judge` (the
/// last one, should a key repeat, as a parsed map keeps), leaving absent keys `None`;
/// other values are skipped, not built.
fn pick_keys<'j>(judge: &'j str, keys: &[&str], found: &mut [Option<&'j str>]) -> Result<(), StoreError> {
    use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
    use std::borrow::Cow;

    /// An object key, borrowed from the text unless it has escapes.
    struct Key<'de>(Cow<'de, str>);
    impl<'de> serde::Deserialize<'de> for Key<'de> {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Key<'de>, D::Error> {
            struct KeyVisitor;
            impl<'de> Visitor<'de> for KeyVisitor {
                type Value = Key<'de>;
                fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
                    formatter.write_str("a key")
                }
                fn visit_borrowed_str<E>(self, key: &'de str) -> Result<Key<'de>, E> {
                    Ok(Key(Cow::Borrowed(key)))
                }
                fn visit_str<E>(self, key: &str) -> Result<Key<'de>, E> {
                    Ok(Key(Cow::Owned(key.to_string())))
                }
            }
            deserializer.deserialize_str(KeyVisitor)
        }
    }
    struct Pick<'a, 'de> {
        keys: &'a [&'a str],
        found: &'a mut [Option<&'de str>],
    }
    impl<'de> Visitor<'de> for Pick<'_, 'de> {
        type Value = ();
        fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
            formatter.write_str("a JSON object")
        }
        fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<(), M::Error> {
            while let Some(key) = map.next_key::<Key<'de>>()? {
                match self.keys.iter().position(|wanted| *wanted == key.0) {
                    Some(index) => {
                        let raw: &'de serde_json::value::RawValue = map.next_value()?;
                        self.found[index] = Some(raw.get());
                    }
                    None => {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
            }
            Ok(())
        }
    }
    impl<'de> DeserializeSeed<'de> for Pick<'_, 'de> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
            deserializer.deserialize_map(self)
        }
    }
    let json = |cause| StoreError::Json { column: "items.judge", cause };
    let mut deserializer = serde_json::Deserializer::from_str(judge);
    Pick { keys, found }.deserialize(&mut deserializer).map_err(json)?;
    deserializer.end().map_err(json)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A store holding items `x0`..`x3` (output `v0`), `x0` labeled by `ana`, and the
    /// rubric id of that label.
    fn seeded() -> Store {
        let mut store = Store::open_in_memory().unwrap();
        let toml = "name = \"r\"\nversion = 1\n[[criteria]]\nid = \"correct\"\nkind = \"binary\"\n\
                    options = [{ value = \"pass\" }, { value = \"fail\" }]\n";
        let rubric = crate::model::Rubric::from_toml(toml, "r.toml").unwrap();
        store
            .write(|tx| {
                let (rubric_id, _) = tx.add_rubric(&rubric, toml, "")?;
                for id in 0..4 {
                    tx.upsert_item(&variant(id, 0), "seed", id as u64 + 1, OnConflict::Error)?;
                }
                let item_id = tx.item_id("x0")?.unwrap();
                let value = json!("pass");
                tx.record_label(&crate::store::NewLabel {
                    item_id,
                    rater: "ana",
                    criterion: "correct",
                    value: Some(&value),
                    comment: None,
                    rubric_id,
                    batch_id: None,
                    duration_ms: None,
                    source: "label",
                })?;
                Ok::<_, StoreError>(())
            })
            .unwrap();
        store
    }

    fn variant(id: usize, content: usize) -> Item {
        Item {
            id: format!("x{id}"),
            dataset: "d".into(),
            input: "q".into(),
            output: format!("v{content}"),
            ..Item::default()
        }
    }

    /// What a store holds after an import: each item's columns but the import time, the
    /// label history's length and the counters.
    fn contents(store: &Store) -> (Vec<Vec<String>>, i64, crate::store::Counts) {
        let mut statement = store
            .conn
            .prepare(
                "SELECT id, external_id, dataset, input, output, coalesce(reference, '-'), context, metadata, judge,
                        content_hash, source_file, source_line, coalesce(shape, '-') FROM items ORDER BY id",
            )
            .unwrap();
        let rows = statement
            .query_map([], |row| {
                (0..13)
                    .map(|column| {
                        row.get_ref(column).map(|value| match value {
                            rusqlite::types::ValueRef::Integer(n) => n.to_string(),
                            other => other.as_str().unwrap_or_default().to_string(),
                        })
                    })
                    .collect::<rusqlite::Result<Vec<String>>>()
            })
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let events: i64 = store.conn.query_row("SELECT count(*) FROM label_events", [], |row| row.get(0)).unwrap();
        (rows, events, store.counts().unwrap())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
        /// Many rows to a statement decide every row as one row at a time does, whatever
        /// mix of new ids, repeated ids (within one statement or across) and ids already
        /// stored, labeled or not, and whatever `--on-conflict`: the same outcomes, the
        /// same stored rows (ids and content), the same label history and counters.
        #[test]
        fn upserting_many_rows_at_once_matches_one_at_a_time(
            rows in proptest::collection::vec((0usize..12, 0usize..3), 0..170),
            conflict in 0usize..5,
            bulk in proptest::bool::ANY,
        ) {
            let on_conflict = [
                OnConflict::Error,
                OnConflict::Skip,
                OnConflict::Update,
                OnConflict::UpdateKeepLabels,
                OnConflict::UpdateStaleLabels,
            ][conflict];
            let items: Vec<(Item, u64)> =
                rows.iter().enumerate().map(|(line, &(id, content))| (variant(id, content), line as u64 + 1)).collect();
            let rows: Vec<(PreparedItem, u64)> =
                items.iter().map(|(item, line)| (PreparedItem::new(item.clone()), *line)).collect();
            let mut one_by_one = seeded();
            let expected = one_by_one
                .write(|tx| {
                    if bulk {
                        tx.bulk()?;
                    }
                    items
                        .iter()
                        .map(|(item, line)| tx.upsert_item(item, "f.jsonl", *line, on_conflict))
                        .collect::<Result<Vec<_>, _>>()
                })
                .unwrap();
            let mut many = seeded();
            let done = many
                .write(|tx| {
                    if bulk {
                        tx.bulk()?;
                    }
                    tx.upsert_items(&rows, "f.jsonl", on_conflict)
                })
                .unwrap();
            proptest::prop_assert_eq!(done, expected);
            proptest::prop_assert_eq!(contents(&many), contents(&one_by_one));
        }
    }

    #[test]
    fn pick_keys_gives_the_raw_text_of_the_keys_asked_for() {
        let judge = r#"{"a":"fail","a_prob":0.25,"nested":{"a":1},"list":[1,"x"],"b":null,"c\u0031":true,"a":"pass"}"#;
        let mut found = [None; 5];
        pick_keys(judge, &["a", "a_prob", "b", "c1", "missing"], &mut found).unwrap();
        // The last `a` wins, as in a parsed map; `c\u0031` is `c1`; JSON null is present.
        assert_eq!(found, [Some(r#""pass""#), Some("0.25"), Some("null"), Some("true"), None]);
        let err = pick_keys("[1]", &["a"], &mut [None]).unwrap_err();
        assert!(matches!(err, StoreError::Json { column: "items.judge", .. }), "{err}");
        assert!(pick_keys(r#"{"a":1} x"#, &["a"], &mut [None]).is_err());
    }

    #[test]
    fn each_judged_reads_judged_items_in_order_with_metadata_only_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::create(&dir.path().join("t.db")).unwrap();
        let item = |id: &str, dataset: &str, judge: serde_json::Value| Item {
            id: id.into(),
            dataset: dataset.into(),
            output: "o".into(),
            metadata: json!({"model": "v1"}).as_object().unwrap().clone(),
            judge: judge.as_object().unwrap().clone(),
            ..Item::default()
        };
        store
            .write(|tx| {
                tx.upsert_item(&item("x2", "d1", json!({"correct": "fail", "other": [1]})), "f", 1, OnConflict::Error)?;
                tx.upsert_item(&item("x1", "d1", json!({})), "f", 2, OnConflict::Error)?;
                tx.upsert_item(&item("x3", "d2", json!({"correct_prob": 0.5})), "f", 3, OnConflict::Error)?;
                Ok::<_, StoreError>(())
            })
            .unwrap();
        // Batch b1 holds x1 (unjudged) and x3, b2 only x1.
        let toml = "name = \"r\"\nversion = 1\n[[criteria]]\nid = \"correct\"\nkind = \"binary\"\n\
                    options = [{ value = \"pass\" }, { value = \"fail\" }]\n";
        let rubric = crate::model::Rubric::from_toml(toml, "r.toml").unwrap();
        let (rubric_id, _) = store.write(|tx| tx.add_rubric(&rubric, toml, "")).unwrap();
        let batch = |name: &'static str, items: &'static [i64]| {
            let new =
                crate::store::NewBatch { name, rubric_id, dataset: None, overlap: 1, seed: 1, items, queues: &[] };
            move |tx: &Tx| tx.create_batch(&new)
        };
        let b1 = store.write(batch("b1", &[2, 3])).unwrap();
        let b2 = store.write(batch("b2", &[2])).unwrap();
        let read_in = |dataset: Option<&str>, batch: Option<i64>, with_metadata: bool| {
            let mut rows = Vec::new();
            store
                .each_judged(dataset, batch, &["correct", "correct_prob"], with_metadata, |row| {
                    let scores: Vec<Option<String>> = row.scores.iter().map(|s| s.map(str::to_string)).collect();
                    rows.push((row.id, row.item.map(|item| (item.id.clone(), item.metadata.clone())), scores));
                    Ok::<_, StoreError>(())
                })
                .unwrap();
            rows
        };
        let read = |dataset: Option<&str>, with_metadata: bool| read_in(dataset, None, with_metadata);
        // x1 has no judge scores: left out.
        let all = read(None, false);
        assert_eq!(
            all,
            [(1, None, vec![Some(r#""fail""#.to_string()), None]), (3, None, vec![None, Some("0.5".to_string())])]
        );
        let d2 = read(Some("d2"), true);
        assert_eq!(d2.len(), 1);
        let (id, item, _) = &d2[0];
        assert_eq!(*id, 3);
        let (external_id, metadata) = item.as_ref().unwrap();
        assert_eq!((external_id.as_str(), metadata.get("model")), ("x3", Some(&json!("v1"))));
        // A batch's judged items alone.
        let ids =
            |dataset, batch| read_in(dataset, Some(batch), false).into_iter().map(|row| row.0).collect::<Vec<_>>();
        assert_eq!(ids(None, b1), [3]);
        assert_eq!(ids(None, b2), Vec::<i64>::new());
        assert_eq!(ids(Some("d1"), b1), Vec::<i64>::new());
    }

    #[test]
    fn conversations_and_comparisons_are_stored_whole_and_merged_whole() {
        let dir = tempfile::tempdir().unwrap();
        let conversation = Item {
            id: "t1".into(),
            dataset: "d".into(),
            shape: serde_json::from_value(json!({"conversation": {"messages": [
                {"role": "user", "content": "hi"},
                {"role": "assistant", "tool_calls": [{"id": "c", "type": "function",
                    "function": {"name": "f", "arguments": "{"}}]}]}}))
            .unwrap(),
            ..Item::default()
        };
        let comparison = Item {
            id: "p1".into(),
            dataset: "d".into(),
            shape: serde_json::from_value(json!({"comparison": {"candidates": [
                {"id": "v1", "output": "x", "model": "m"}, {"id": "v2", "output": "y"}]}}))
            .unwrap(),
            ..Item::default()
        };
        let other_path = dir.path().join("other.db");
        let mut other = Store::create(&other_path).unwrap();
        other
            .write(|tx| {
                tx.upsert_item(&conversation, "f", 1, OnConflict::Error)?;
                tx.upsert_item(&comparison, "f", 2, OnConflict::Error)?;
                let id = tx.item_id("p1")?.unwrap();
                tx.record_side(id, "ana", "v2")?;
                Ok::<_, StoreError>(())
            })
            .unwrap();
        for item in [&conversation, &comparison] {
            assert_eq!(&other.item_by_external_id(&item.id).unwrap().unwrap().1, item);
        }
        drop(other);
        let mut store = Store::create(&dir.path().join("t.db")).unwrap();
        store.merge_from(&other_path).unwrap();
        let (_, merged) = store.item_by_external_id("t1").unwrap().unwrap();
        assert_eq!(merged, conversation);
        assert_eq!(merged.steps().len(), 2);
        let (id, merged) = store.item_by_external_id("p1").unwrap().unwrap();
        assert_eq!(merged, comparison);
        assert_eq!(store.side(id, "ana").unwrap().as_deref(), Some("v2"));
    }
}
