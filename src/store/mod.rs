//! The store: one SQLite file, and the only code in tally that speaks SQL.
//!
//! A label's current value is its newest event by `created_at` (then by id): events
//! merged in from another store keep their own times.
//!
//! Writes go through [`Store::write`], one IMMEDIATE transaction per call, so an import
//! file or a keypress is all-or-nothing and concurrent raters queue on the busy timeout
//! instead of failing. Reads are methods on [`Store`]; the few reads a write needs are
//! methods on [`Tx`].

mod batches;
mod comments;
mod comparisons;
mod items;
mod labels;
mod merge;
mod rubrics;
mod sides;

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior};

pub use batches::{Batch, BatchSummary, ItemAction, ItemMark, NewBatch, ProgressRow, QueueEntry};
pub use comments::LabelComment;
pub use comparisons::ComparisonRow;
pub use items::{JudgedRow, OnConflict, PreparedItem, Upsert};
pub use labels::{
    Adjudication, CurrentLabel, LabelEvent, LabelRef, LabelRow, LabelScope, LabelSet, LabelWriter, NewAdjudication,
    NewLabel, label_unchanged,
};
pub use merge::MergeSummary;
pub use rubrics::{RubricSummary, StoredRubric};
pub use sides::Side;

/// Numbered migrations; the schema version is how many have run (`PRAGMA user_version`).
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_init.sql"),
    include_str!("migrations/0002_item_event_notes.sql"),
    include_str!("migrations/0003_honeypots.sql"),
    include_str!("migrations/0004_settings.sql"),
    include_str!("migrations/0005_counts_and_indexes.sql"),
    include_str!("migrations/0006_item_shapes.sql"),
    include_str!("migrations/0007_comparison_sides.sql"),
];

/// How long a writer waits for another (8 raters on one host) before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Written into the header of every store tally creates (`PRAGMA application_id`), so a
/// store is told from any other SQLite file by its first 100 bytes, without opening it.
const APPLICATION_ID: u32 = u32::from_be_bytes(*b"taly");

/// The tables every tally store has had since its first schema; how a store made before
/// [`APPLICATION_ID`] existed is recognised.
const CORE_TABLES: [&str; 4] = ["items", "rubrics", "label_events", "batches"];

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no store at {path} (create one with `tally init`)")]
    Missing { path: String },
    #[error("{path}: not a tally store ({why}); tally leaves it as it is")]
    Foreign { path: String, why: String },
    #[error("{path}: the store can be read but not written: it, or its folder, is read-only")]
    ReadOnly { path: String },
    #[error("{path}: cannot open the store: {}", describe(cause))]
    Open { path: String, cause: rusqlite::Error },
    #[error("{path}: the store has schema version {found}, newer than this tally knows ({known}); upgrade tally")]
    TooNew { path: String, found: i64, known: i64 },
    #[error("{}", describe(.0))]
    Sql(rusqlite::Error),
    #[error("corrupt JSON in column {column}: {cause}")]
    Json { column: &'static str, cause: serde_json::Error },
    #[error("{0}")]
    Invalid(String),
}

// By hand rather than `#[from]`, which would also make the rusqlite error the source and
// so print its text a second time in the error chain.
impl From<rusqlite::Error> for StoreError {
    fn from(err: rusqlite::Error) -> StoreError {
        StoreError::Sql(err)
    }
}

impl StoreError {
    /// Whether the error came from SQLite working on the store, so that the caller should
    /// say which store (the other variants name their file themselves).
    pub fn needs_store_name(&self) -> bool {
        matches!(self, StoreError::Sql(_) | StoreError::Json { .. })
    }

    /// Another process holds the write lock and did not let go in time: trying again
    /// later can succeed.
    pub fn is_busy(&self) -> bool {
        let sql = match self {
            StoreError::Sql(err) | StoreError::Open { cause: err, .. } => err,
            _ => return false,
        };
        matches!(sql.sqlite_error_code(), Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked))
    }
}

/// A SQLite error in words, once: rusqlite's own text repeats the message and adds the
/// numeric code ("Error code 1544") that says nothing to a user.
fn describe(err: &rusqlite::Error) -> String {
    use rusqlite::ErrorCode;
    let rusqlite::Error::SqliteFailure(failure, message) = err else {
        return err.to_string();
    };
    let plain = match failure.code {
        ErrorCode::ReadOnly => "cannot write: the store, or its folder, is read-only",
        ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => {
            "another process is writing to the store and did not finish in time; try again"
        }
        ErrorCode::NotADatabase => "not a SQLite file",
        ErrorCode::DatabaseCorrupt => "the file is damaged (SQLite reports it corrupt)",
        ErrorCode::DiskFull => "the disk is full",
        ErrorCode::CannotOpen => "cannot open the file (is its folder readable and writable?)",
        ErrorCode::PermissionDenied => "permission denied",
        ErrorCode::SystemIoFailure => "an input/output error",
        _ => return message.clone().unwrap_or_else(|| failure.to_string()),
    };
    plain.to_string()
}

/// What is at a path, judged from the file alone and without changing it.
enum Found {
    Missing,
    Empty,
    Tally,
    Foreign(String),
}

/// Looks at `path` without writing to it: the SQLite header first, then, for a SQLite
/// file that does not carry tally's application id, its tables through an immutable
/// connection (no locks, no `-wal` or `-shm` files created).
fn inspect(path: &Path) -> Result<Found, StoreError> {
    let shown = path.display().to_string();
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Found::Missing),
        Err(err) => return Err(StoreError::Invalid(format!("{shown}: cannot read: {err}"))),
    };
    if metadata.is_dir() {
        return Ok(Found::Foreign("it is a folder".into()));
    }
    if metadata.len() == 0 {
        return Ok(Found::Empty);
    }
    let mut header = [0u8; 100];
    let read = std::fs::File::open(path)
        .and_then(|mut file| std::io::Read::read(&mut file, &mut header))
        .map_err(|err| StoreError::Invalid(format!("{shown}: cannot read: {err}")))?;
    if read < header.len() || !header.starts_with(b"SQLite format 3\0") {
        return Ok(Found::Foreign("not a SQLite file".into()));
    }
    let application_id = u32::from_be_bytes([header[68], header[69], header[70], header[71]]);
    if application_id == APPLICATION_ID {
        return Ok(Found::Tally);
    }
    if application_id != 0 {
        return Ok(Found::Foreign(format!("a SQLite file of another application (id {application_id:#x})")));
    }
    // A store made before the application id, or someone else's database.
    let wal_has_content = std::fs::metadata(sidecar(path, "-wal")).is_ok_and(|wal| wal.len() > 0);
    let query = if wal_has_content { "mode=ro" } else { "immutable=1" };
    let conn = Connection::open_with_flags(uri(path, query), read_only_flags())
        .map_err(|cause| StoreError::Open { path: shown.clone(), cause })?;
    let looked = conn.query_row("PRAGMA user_version", [], |row| row.get::<_, i64>(0)).and_then(|version| {
        let tables: i64 = conn.query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN (?1, ?2, ?3, ?4)",
            CORE_TABLES,
            |row| row.get(0),
        )?;
        Ok((version, tables))
    });
    match looked {
        Ok((version, tables)) if version >= 1 && tables == CORE_TABLES.len() as i64 => Ok(Found::Tally),
        Ok(_) => Ok(Found::Foreign("a SQLite file without tally's tables".into())),
        Err(err) if err.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) => {
            Ok(Found::Foreign("not a SQLite file".into()))
        }
        Err(cause) => Err(StoreError::Open { path: shown, cause }),
    }
}

fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn read_only_flags() -> OpenFlags {
    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX
}

/// A read-only connection to the tally store at `path` and its schema version. In a
/// read-only folder without the store's `-shm` file nobody can be writing, so the main
/// file is the whole store and is read as immutable.
fn connect_read_only(path: &Path) -> Result<(Connection, i64), StoreError> {
    let shown = path.display().to_string();
    let connect = |query: &str| -> rusqlite::Result<(Connection, i64)> {
        let conn = Connection::open_with_flags(uri(path, query), read_only_flags())?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        let version = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
        Ok((conn, version))
    };
    match connect("mode=ro") {
        Ok(found) => Ok(found),
        Err(err) if err.sqlite_error_code() == Some(rusqlite::ErrorCode::CannotOpen) => {
            if std::fs::metadata(sidecar(path, "-wal")).is_ok_and(|wal| wal.len() > 0) {
                return Err(StoreError::Open { path: shown, cause: err });
            }
            connect("immutable=1").map_err(|cause| StoreError::Open { path: shown, cause })
        }
        Err(cause) => Err(StoreError::Open { path: shown, cause }),
    }
}

/// A SQLite URI for `path` with `query`; bytes that URIs reserve are percent-encoded.
fn uri(path: &Path, query: &str) -> String {
    let mut text = String::from("file:");
    for &byte in path.as_os_str().as_encoded_bytes() {
        if byte.is_ascii_alphanumeric() || b"/._-~".contains(&byte) {
            text.push(byte as char);
        } else {
            text.push_str(&format!("%{byte:02X}"));
        }
    }
    text.push('?');
    text.push_str(query);
    text
}

pub struct Store {
    conn: Connection,
    path: Option<PathBuf>,
}

/// A write transaction; committed by [`Store::write`] when its closure succeeds.
pub struct Tx<'c> {
    tx: rusqlite::Transaction<'c>,
    /// What the triggers of migration 0005 would have kept, while [`Tx::bulk`] has them off.
    bulk: RefCell<Option<Bulk>>,
}

/// The counts and raters the triggers keep, gathered by a bulk write and written once
/// before it commits.
#[derive(Debug, Default)]
struct Bulk {
    items: i64,
    label_events: i64,
    labels: i64,
    /// Raters of the label events written, and whether one came from a golden set.
    raters: crate::stats::hash::FastMap<String, bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    pub items: i64,
    pub datasets: i64,
    pub rubrics: i64,
    pub batches: i64,
    /// Current labels (the latest event per item, rater and criterion, if not retracted).
    pub labels: i64,
    pub label_events: i64,
    pub raters: i64,
    pub adjudications: i64,
}

impl Store {
    /// Creates a new store at `path`, or opens the tally store already there; the only
    /// way a store comes to be (`tally init`, `tally demo`). A missing folder is made; a
    /// file that is not a tally store is refused untouched.
    pub fn create(path: &Path) -> Result<Store, StoreError> {
        let shown = path.display().to_string();
        match inspect(path)? {
            Found::Tally => return Store::open(path),
            Found::Foreign(why) => return Err(StoreError::Foreign { path: shown, why }),
            Found::Missing | Found::Empty => {}
        }
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|err| {
                StoreError::Invalid(format!("{}: cannot create the store's folder: {err}", parent.display()))
            })?;
        }
        let open = || -> rusqlite::Result<Connection> {
            let conn = Connection::open(path)?;
            conn.busy_timeout(BUSY_TIMEOUT)?;
            // 8 KB pages, not SQLite's 4: an import writes each page to the WAL and again to
            // the store, and splits a leaf each time one fills; twice the page halves both
            // (the writing thread of a 1M-item import: about a third less CPU). Set while
            // the file is still empty: afterwards only a VACUUM could change it.
            conn.pragma_update(None, "page_size", 8192)?;
            // The id goes into the header before WAL is on, so that it is in the main
            // file at once and `inspect` can read it there.
            conn.pragma_update(None, "application_id", APPLICATION_ID)?;
            // WAL lets raters read while another writes; the mode stays with the file.
            conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get::<_, String>(0))?;
            Ok(conn)
        };
        let conn = open().map_err(|cause| StoreError::Open { path: shown.clone(), cause })?;
        Store::setup(conn, path)
    }

    /// Opens the tally store at `path` to read and write. Nothing is written on opening,
    /// unless the store's schema is older than this tally's (then it is brought up to
    /// date). A missing path is not created and a file that is not a tally store is
    /// refused untouched.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let shown = path.display().to_string();
        Store::check(path)?;
        let opened =
            Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)
                .and_then(|conn| conn.busy_timeout(BUSY_TIMEOUT).map(|()| conn))
                .map_err(|cause| StoreError::Open { path: shown.clone(), cause })
                .and_then(|conn| Store::setup(conn, path));
        match opened {
            // WAL must create its `-shm` file beside the store: a store that opens only
            // for reading is in a read-only folder, or is read-only itself.
            Err(StoreError::Open { cause, .. })
                if matches!(
                    cause.sqlite_error_code(),
                    Some(rusqlite::ErrorCode::CannotOpen | rusqlite::ErrorCode::ReadOnly)
                ) && connect_read_only(path).is_ok() =>
            {
                Err(StoreError::ReadOnly { path: shown })
            }
            other => other,
        }
    }

    /// Opens the tally store at `path` for reading only: SQLite itself refuses any write.
    /// Reads go on while another process writes (WAL), and work in a read-only folder.
    pub fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        let (conn, version) = Store::read_connection(path)?;
        if version < MIGRATIONS.len() as i64 {
            // An older store: bring it up to date once (a write), then read.
            drop(conn);
            drop(Store::open(path)?);
            return Store::open_read_only(path);
        }
        Ok(Store { conn, path: Some(path.to_path_buf()) })
    }

    /// Another tally store, to read from (`tally merge`): refused untouched if it is not
    /// a current tally store, and checked whole first, so that damage in it is blamed on
    /// it rather than on the store it is merged into.
    fn open_source(path: &Path) -> Result<Connection, StoreError> {
        let shown = path.display().to_string();
        let (conn, version) = Store::read_connection(path)?;
        let known = MIGRATIONS.len() as i64;
        if version < known {
            return Err(StoreError::Invalid(format!(
                "{shown}: a store of an older tally (schema {version}, this tally's is {known}); \
                 open it once with this tally to bring it up to date, then merge"
            )));
        }
        let damaged = |detail: String| StoreError::Invalid(format!("{shown}: the store to merge is damaged: {detail}"));
        let verdict: String =
            conn.query_row("PRAGMA quick_check(1)", [], |row| row.get(0)).map_err(|err| damaged(describe(&err)))?;
        if verdict != "ok" {
            return Err(damaged(verdict));
        }
        Ok(conn)
    }

    /// A read-only connection to the tally store at `path` and its schema version, which
    /// is at most this tally's: a missing path, a file that is not a tally store and a
    /// store of a newer tally are refused untouched.
    fn read_connection(path: &Path) -> Result<(Connection, i64), StoreError> {
        Store::check(path)?;
        let (conn, version) = connect_read_only(path)?;
        let known = MIGRATIONS.len() as i64;
        if version > known {
            return Err(StoreError::TooNew { path: path.display().to_string(), found: version, known });
        }
        Ok((conn, version))
    }

    /// Refuses a missing path or a file that is not a tally store, without touching it.
    fn check(path: &Path) -> Result<(), StoreError> {
        let shown = path.display().to_string();
        match inspect(path)? {
            Found::Tally => Ok(()),
            Found::Missing => Err(StoreError::Missing { path: shown }),
            Found::Empty => Err(StoreError::Foreign { path: shown, why: "an empty file".into() }),
            Found::Foreign(why) => Err(StoreError::Foreign { path: shown, why }),
        }
    }

    /// A private store in memory, for tests and throwaway work.
    pub fn open_in_memory() -> Result<Store, StoreError> {
        let conn = Connection::open_in_memory()?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let mut store = Store { conn, path: None };
        store.migrate()?;
        Ok(store)
    }

    fn setup(conn: Connection, path: &Path) -> Result<Store, StoreError> {
        let shown = path.display().to_string();
        let pragmas = || -> rusqlite::Result<()> {
            // FULL sync makes a committed label survive power loss, not only a crash.
            conn.pragma_update(None, "synchronous", "FULL")?;
            // 32 MB of page cache instead of 2: an import of a million rows otherwise
            // spills pages to the WAL mid-transaction and writes many of them twice.
            conn.pragma_update(None, "cache_size", -32_768)?;
            conn.pragma_update(None, "foreign_keys", "ON")
        };
        pragmas().map_err(|cause| StoreError::Open { path: shown.clone(), cause })?;
        let mut store = Store { conn, path: Some(path.to_path_buf()) };
        store.migrate().map_err(|err| match err {
            StoreError::Sql(cause) => StoreError::Open { path: shown, cause },
            other => other,
        })?;
        Ok(store)
    }

    /// Brings the schema up to date. A current store is only read: a write lock here
    /// would make every report wait for (and fail behind) a long import.
    fn migrate(&mut self) -> Result<(), StoreError> {
        let known = MIGRATIONS.len() as i64;
        let shown = self.path_display();
        let version: i64 = self.conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
        if version > known {
            return Err(StoreError::TooNew { path: shown, found: version, known });
        }
        if version == known {
            return Ok(());
        }
        // Each migration checks the version inside its own write transaction, so two
        // processes opening a new store at once cannot both apply it.
        loop {
            let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let version: i64 = tx.query_row("PRAGMA user_version", [], |row| row.get(0))?;
            if version > known {
                return Err(StoreError::TooNew { path: shown, found: version, known });
            }
            if version == known {
                return Ok(());
            }
            tx.execute_batch(MIGRATIONS[version as usize])?;
            tx.pragma_update(None, "user_version", version + 1)?;
            tx.commit()?;
        }
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    fn path_display(&self) -> String {
        self.path.as_ref().map_or_else(|| ":memory:".to_string(), |p| p.display().to_string())
    }

    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self.conn.query_row("PRAGMA user_version", [], |row| row.get(0))?)
    }

    /// This store's secret for hashing rater names in exports (see migration 0004).
    pub fn rater_salt(&self) -> Result<String, StoreError> {
        Ok(self.conn.query_row("SELECT value FROM settings WHERE key = 'rater_salt'", [], |row| row.get(0))?)
    }

    /// A store-wide setting (see migration 0004), if set.
    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        optional(self.conn.query_row("SELECT value FROM settings WHERE key = ?1", [key], |row| row.get(0)))
    }

    /// Runs `work` in one write transaction: committed if it returns `Ok`, rolled back
    /// (the store exactly as before) if it returns `Err` or panics.
    pub fn write<T, E: From<StoreError>>(&mut self, work: impl FnOnce(&Tx) -> Result<T, E>) -> Result<T, E> {
        // A bulk write that panicked left the triggers off: on again before anything else.
        if !self.conn.db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER).map_err(StoreError::from)? {
            bulk_mode(&self.conn, false).map_err(StoreError::from)?;
        }
        let (done, bulk) = {
            let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(StoreError::from)?;
            let tx = Tx { tx, bulk: RefCell::new(None) };
            let done = work(&tx).and_then(|value| {
                tx.finish_bulk()?;
                Ok(value)
            });
            // Still set when `work` failed: the rollback restores the counters, and the
            // triggers come back on below.
            let bulk = tx.in_bulk();
            let done = match done {
                Ok(value) => tx.tx.commit().map(|()| value).map_err(|err| E::from(StoreError::from(err))),
                Err(err) => Err(err),
            };
            (done, bulk)
        };
        if bulk {
            bulk_mode(&self.conn, false).map_err(StoreError::from)?;
        }
        done
    }

    /// As [`Store::write`], for a bulk write ([`Tx::bulk`]) whose rows refer only to rows
    /// it looked up in the same transaction: foreign keys are not checked row by row.
    /// A check of an item and a rubric for every label event cost a quarter of an
    /// import, and made SQLite journal every statement in case it had to undo it.
    pub fn write_bulk<T, E: From<StoreError>>(&mut self, work: impl FnOnce(&Tx) -> Result<T, E>) -> Result<T, E> {
        // Only outside a transaction does SQLite take this setting.
        self.conn.pragma_update(None, "foreign_keys", "OFF").map_err(StoreError::from)?;
        let done = self.write(work);
        self.conn.pragma_update(None, "foreign_keys", "ON").map_err(StoreError::from)?;
        done
    }

    /// What the store holds, exactly, at the cost of a few index probes: the big counts
    /// are kept by triggers (migration 0005), distinct values are walked in their index.
    pub fn counts(&self) -> Result<Counts, StoreError> {
        let count = |sql: &str| -> Result<i64, StoreError> { Ok(self.conn.query_row(sql, [], |row| row.get(0))?) };
        let counter = |name: &str| -> Result<i64, StoreError> {
            Ok(self.conn.query_row("SELECT n FROM counters WHERE name = ?1", [name], |row| row.get(0))?)
        };
        Ok(Counts {
            items: counter("items")?,
            // One probe of `items_dataset` per dataset rather than a scan of every item.
            datasets: count(
                "WITH RECURSIVE d(name) AS (SELECT min(dataset) FROM items
                     UNION ALL SELECT (SELECT min(dataset) FROM items WHERE dataset > d.name) FROM d
                     WHERE d.name IS NOT NULL)
                 SELECT count(name) FROM d",
            )?,
            rubrics: count("SELECT count(*) FROM rubrics")?,
            batches: count("SELECT count(*) FROM batches")?,
            labels: counter("labels")?,
            label_events: counter("label_events")?,
            raters: count(&format!(
                "SELECT count(*) FROM (SELECT name FROM label_raters UNION SELECT name FROM ({ASSIGNED_RATERS}))"
            ))?,
            adjudications: count("SELECT count(*) FROM adjudications")?,
        })
    }
}

/// The raters with assignments, one probe of the assignments' key per batch and rater
/// instead of a scan of every assignment.
const ASSIGNED_RATERS: &str = "WITH RECURSIVE r(batch, name) AS (
        SELECT id, (SELECT min(rater) FROM assignments WHERE batch_id = batches.id) FROM batches
        UNION ALL SELECT batch, (SELECT min(rater) FROM assignments WHERE batch_id = r.batch AND rater > r.name)
        FROM r WHERE r.name IS NOT NULL)
    SELECT name FROM r WHERE name IS NOT NULL";

impl Tx<'_> {
    /// Turns the store's triggers off for the rest of this transaction, for an import of
    /// many rows: run per row, the triggers that keep the counters (migration 0005) cost
    /// more than the row itself. The store's own inserts of items and label events count
    /// what the triggers would have, and [`Store::write`] writes it once before the commit.
    /// Only for writes that insert items and label events (and rows no trigger watches):
    /// nothing else is counted meanwhile, and the append-only guards are off too. CHECK
    /// constraints are off as well: the only one such a write meets is the list of
    /// `item_events` actions, which it writes as the literal `confirm`, and SQLite checks
    /// a list of five by building a temporary b-tree for every row.
    pub fn bulk(&self) -> Result<(), StoreError> {
        let mut bulk = self.bulk.borrow_mut();
        if bulk.is_none() {
            bulk_mode(&self.tx, true)?;
            *bulk = Some(Bulk::default());
        }
        Ok(())
    }

    /// Whether [`Tx::bulk`] has the triggers off.
    fn in_bulk(&self) -> bool {
        self.bulk.borrow().is_some()
    }

    /// Counts an inserted item, in a bulk write.
    fn bulk_item(&self) {
        if let Some(bulk) = self.bulk.borrow_mut().as_mut() {
            bulk.items += 1;
        }
    }

    /// Counts a label event appended with value `value` by `rater` from `source` at
    /// `created_at`, over `current`, the newest event of its label before it: what the
    /// trigger `label_events_count` does, in a bulk write.
    fn bulk_label(&self, rater: &str, source: &str, has_value: bool, created_at: i64, current: Option<&LabelEvent>) {
        let mut bulk = self.bulk.borrow_mut();
        let Some(bulk) = bulk.as_mut() else {
            return;
        };
        bulk.label_events += 1;
        bulk.labels += match current {
            // A newer event (merged from a clock ahead of this one) stays the label.
            Some(event) if event.created_at > created_at => 0,
            Some(event) => i64::from(has_value) - i64::from(event.value.is_some()),
            None => i64::from(has_value),
        };
        let golden = source.starts_with("golden:");
        match bulk.raters.get_mut(rater) {
            Some(known) => *known |= golden,
            None => {
                bulk.raters.insert(rater.to_string(), golden);
            }
        }
    }

    /// Writes what a bulk write counted and turns the triggers back on.
    fn finish_bulk(&self) -> Result<(), StoreError> {
        let Some(bulk) = self.bulk.borrow_mut().take() else {
            return Ok(());
        };
        bulk_mode(&self.tx, false)?;
        let mut add = self.tx.prepare("UPDATE counters SET n = n + ?2 WHERE name = ?1")?;
        for (name, n) in [("items", bulk.items), ("label_events", bulk.label_events), ("labels", bulk.labels)] {
            if n != 0 {
                add.execute(rusqlite::params![name, n])?;
            }
        }
        let mut rater = self.tx.prepare("INSERT OR IGNORE INTO label_raters (name, golden) VALUES (?1, 0)")?;
        let mut golden = self.tx.prepare("UPDATE label_raters SET golden = 1 WHERE name = ?1 AND golden = 0")?;
        for (name, is_golden) in bulk.raters {
            rater.execute([&name])?;
            if is_golden {
                golden.execute([&name])?;
            }
        }
        Ok(())
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.tx.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = ?2",
            [key, value],
        )?;
        Ok(())
    }
}

impl Store {
    /// How long a write waits for the write lock before failing as busy. The label
    /// screen's writer waits briefly and retries, so it can stop when asked.
    pub fn set_busy_timeout(&self, timeout: Duration) -> Result<(), StoreError> {
        Ok(self.conn.busy_timeout(timeout)?)
    }
}

/// Triggers and CHECK constraints off (`on`) or back on, for [`Tx::bulk`]. Both are the
/// connection's settings: other connections keep theirs.
fn bulk_mode(conn: &Connection, on: bool) -> rusqlite::Result<()> {
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER, !on)?;
    conn.pragma_update(None, "ignore_check_constraints", on)
}

pub(crate) fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

fn parse_json<T: serde::de::DeserializeOwned>(column: &'static str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|cause| StoreError::Json { column, cause })
}

fn optional<T>(result: rusqlite::Result<T>) -> Result<Option<T>, StoreError> {
    Ok(result.optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn current_labels_are_each_raters_newest_event_by_time_in_external_id_order() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::create(&dir.path().join("t.db")).unwrap();
        store
            .conn
            .execute_batch(
                "INSERT INTO rubrics VALUES (1, 'r', 1, 'h1', '', '', 0), (2, 'other', 1, 'h2', '', '', 0);
                 INSERT INTO items (id, external_id, dataset, input, output, context, metadata, judge,
                                    content_hash, imported_at)
                 VALUES (1, 'b', 'd', '', '', '[]', '{}', '{}', 'x', 0),
                        (2, 'a', 'd', '', '', '[]', '{}', '{}', 'y', 0),
                        (3, 'c', 'd', '', '', '[]', '{}', '{}', 'z', 0);
                 -- (item, rater, criterion, value, rubric, time): a merged event with a higher id
                 -- but an older time loses; a newest event that retracts leaves no label.
                 INSERT INTO label_events (item_id, rater, criterion, value, rubric_id, created_at, source) VALUES
                    (1, 'ana', 'q', '\"new\"', 1, 20, 'label'),
                    (1, 'ana', 'q', '\"merged-older\"', 1, 10, 'merge'),
                    (1, 'ben', 'q', '\"kept\"', 1, 5, 'label'),
                    (2, 'ana', 'q', '\"gone\"', 1, 5, 'label'),
                    (2, 'ana', 'q', NULL, 1, 6, 'label'),
                    (2, 'ana', 'p', '\"p\"', 1, 1, 'label'),
                    (2, 'golden:g', 'q', '\"g\"', 1, 1, 'golden:f:1'),
                    (3, 'ana', 'q', '\"other rubric\"', 2, 1, 'label'),
                    (1, 'ana', 'q', '\"same time, higher id\"', 1, 20, 'label');",
            )
            .unwrap();
        let scope = LabelScope { rubric: "r", batch_id: None };
        let labels: Vec<_> = store
            .current_labels(scope)
            .unwrap()
            .into_iter()
            .map(|label| format!("{} {} {} {}", label.item, label.criterion, label.rater, label.value))
            .collect();
        assert_eq!(
            labels,
            ["a p ana \"p\"", "a q golden:g \"g\"", "b q ana \"same time, higher id\"", "b q ben \"kept\"",]
        );
        let mut streamed = Vec::new();
        let left_out = store
            .each_rater_label::<StoreError>(scope, false, |label| {
                streamed.push(format!("{} {} {}", label.item, label.rater, label.value));
                Ok(())
            })
            .unwrap();
        assert_eq!(left_out, 1);
        assert_eq!(streamed, ["a ana \"p\"", "b ana \"same time, higher id\"", "b ben \"kept\""]);
    }

    #[test]
    fn a_new_file_is_migrated_to_the_latest_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/tally.db");
        let store = Store::create(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len() as i64);
        assert_eq!(store.counts().unwrap(), Counts::default());
        drop(store);
        // Reopening runs nothing again.
        let store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len() as i64);
        let mode: String = store.conn.query_row("PRAGMA journal_mode", [], |row| row.get(0)).unwrap();
        assert_eq!(mode, "wal");
    }

    #[test]
    fn a_new_store_carries_the_application_id_in_its_main_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let _open = Store::create(&path).unwrap();
        // Read while the store is still open, before any checkpoint: the header says so.
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(&bytes[68..72], b"taly");
        assert!(matches!(inspect(&path).unwrap(), Found::Tally));
        // 8 KB pages (header bytes 16-17, big-endian), in the file and as SQLite reads it.
        assert_eq!(&bytes[16..18], &[0x20, 0x00]);
        let page_size: i64 = _open.conn.query_row("PRAGMA page_size", [], |row| row.get(0)).unwrap();
        assert_eq!(page_size, 8192);
    }

    #[test]
    fn open_creates_nothing_and_refuses_what_is_not_a_store() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nested/t.db");
        let err = Store::open(&missing).err().unwrap();
        assert!(matches!(err, StoreError::Missing { .. }), "{err}");
        assert!(Store::open_read_only(&missing).is_err());
        assert!(!dir.path().join("nested").exists());
        let empty = dir.path().join("empty.db");
        std::fs::write(&empty, b"").unwrap();
        let err = Store::open(&empty).err().unwrap().to_string();
        assert!(err.contains("not a tally store (an empty file)"), "{err}");
        assert_eq!(std::fs::metadata(&empty).unwrap().len(), 0);
    }

    #[test]
    fn a_store_made_before_the_application_id_is_still_recognised() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        drop(Store::create(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "application_id", 0).unwrap();
        drop(conn);
        assert_eq!(&std::fs::read(&path).unwrap()[68..72], &[0, 0, 0, 0]);
        let store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len() as i64);
        drop(Store::open_read_only(&path).unwrap());
    }

    #[test]
    fn opening_a_current_store_takes_no_write_lock() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        drop(Store::create(&path).unwrap());
        let writer = Connection::open(&path).unwrap();
        writer.execute_batch("BEGIN IMMEDIATE; INSERT INTO settings VALUES ('k', 'v');").unwrap();
        // With the lock held elsewhere, both ways of opening still read at once.
        let mut store = Store::open(&path).unwrap();
        store.conn.busy_timeout(Duration::ZERO).unwrap();
        assert_eq!(store.counts().unwrap().items, 0);
        let reader = Store::open_read_only(&path).unwrap();
        assert_eq!(reader.setting("k").unwrap(), None);
        let err = reader.conn.execute("INSERT INTO settings VALUES ('x', 'y')", []).unwrap_err();
        assert!(err.to_string().contains("readonly"), "{err}");
        assert!(store.write(|tx| tx.set_setting("a", "b")).unwrap_err().is_busy());
        writer.execute_batch("COMMIT").unwrap();
        store.write(|tx| tx.set_setting("a", "b")).unwrap();
        assert_eq!(reader.setting("a").unwrap().as_deref(), Some("b"));
    }

    #[test]
    fn sqlite_errors_are_said_once_in_words() {
        let err = StoreError::from(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(1544),
            Some("attempt to write a readonly database".into()),
        ));
        assert_eq!(err.to_string(), "cannot write: the store, or its folder, is read-only");
        assert!(std::error::Error::source(&err).is_none());
    }

    #[test]
    fn an_empty_file_is_migrated_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("empty.db");
        std::fs::write(&path, b"").unwrap();
        let store = Store::create(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len() as i64);
        assert_eq!(store.counts().unwrap().items, 0);
    }

    #[test]
    fn a_store_from_a_newer_tally_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        drop(Store::create(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        drop(conn);
        let err = Store::open(&path).err().unwrap().to_string();
        assert!(err.contains("schema version 99"), "{err}");
    }

    #[test]
    fn label_events_cannot_be_rewritten() {
        let store = Store::open_in_memory().unwrap();
        let err = store.conn.execute("UPDATE label_events SET value = NULL", []);
        // No rows to update: the trigger fires per row, so add one first.
        assert!(err.is_ok());
        store
            .conn
            .execute_batch(
                "INSERT INTO rubrics VALUES (1, 'r', 1, 'h', '', '', 0);
             INSERT INTO items VALUES (1, 'i', 'd', '', 'o', NULL, '[]', '{}', '{}', 'x', NULL, NULL, 0, NULL);
             INSERT INTO label_events (item_id, rater, criterion, value, rubric_id, created_at, source)
             VALUES (1, 'a', 'c', '\"v\"', 1, 0, 'test');",
            )
            .unwrap();
        let err = store.conn.execute("UPDATE label_events SET value = NULL", []).unwrap_err();
        assert!(err.to_string().contains("append-only"));
        let err = store.conn.execute("DELETE FROM label_events", []).unwrap_err();
        assert!(err.to_string().contains("append-only"));
    }

    /// The counts `status` used to compute by scanning: the reference for the counters.
    fn scanned_counts(store: &Store) -> (i64, i64, i64, Vec<String>) {
        let count = |sql: &str| -> i64 { store.conn.query_row(sql, [], |row| row.get(0)).unwrap() };
        let labels = count(
            "SELECT count(*) FROM (SELECT e.value, row_number() OVER (PARTITION BY e.item_id, e.rater,
             e.criterion, r.name ORDER BY e.created_at DESC, e.id DESC) AS newest FROM label_events e
             JOIN rubrics r ON r.id = e.rubric_id) WHERE newest = 1 AND value IS NOT NULL",
        );
        let golden: Vec<String> = store
            .conn
            .prepare(
                "SELECT DISTINCT rater FROM label_events
                 WHERE substr(rater, 1, 7) = 'golden:' OR substr(source, 1, 7) = 'golden:' ORDER BY rater",
            )
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        (count("SELECT count(*) FROM items"), labels, count("SELECT count(*) FROM label_events"), golden)
    }

    fn insert_event(store: &Store, event: (i64, &str, &str, Option<&str>, i64, i64, &str)) {
        let (item, rater, criterion, value, rubric, at, source) = event;
        store
            .conn
            .execute(
                "INSERT INTO label_events (item_id, rater, criterion, value, rubric_id, created_at, source)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                rusqlite::params![item, rater, criterion, value, rubric, at, source],
            )
            .unwrap();
    }

    /// Two versions of rubric `r` (labels under either count as one) and rubric `s`, and
    /// items 1..=3 in datasets `d1`, `d2`.
    fn counted_store() -> Store {
        let store = Store::open_in_memory().unwrap();
        store
            .conn
            .execute_batch(
                "INSERT INTO rubrics VALUES (1, 'r', 1, 'h1', '', '', 0), (2, 'r', 2, 'h2', '', '', 0),
                                            (3, 's', 1, 'h3', '', '', 0);
                 INSERT INTO items VALUES (1, 'i1', 'd1', '', 'o', NULL, '[]', '{}', '{}', 'x', NULL, NULL, 0, NULL),
                                          (2, 'i2', 'd2', '', 'o', NULL, '[]', '{}', '{}', 'x', NULL, NULL, 0, NULL),
                                          (3, 'i3', 'd1', '', 'o', NULL, '[]', '{}', '{}', 'x', NULL, NULL, 0, NULL);",
            )
            .unwrap();
        store
    }

    #[test]
    fn status_counts_are_exact_with_retractions_merged_events_and_golden_sets() {
        let store = counted_store();
        for event in [
            (1, "ana", "correct", Some("\"pass\""), 1, 100, "label"),
            (1, "ana", "correct", None, 1, 200, "label"), // retracted
            (1, "ana", "correct", Some("\"fail\""), 2, 300, "label"), // again, under version 2
            (1, "ben", "correct", Some("\"pass\""), 1, 500, "label"),
            // Merged from an offline copy: older than ben's label, so it is history.
            (1, "ben", "correct", None, 1, 400, "label"),
            // Merged, older, and nothing newer: it is current.
            (2, "ben", "correct", Some("\"pass\""), 1, 50, "label"),
            // Same time as the standing event: the greater id wins.
            (2, "ben", "correct", None, 1, 50, "label"),
            (2, "ben", "helpfulness", Some("4"), 1, 10, "label"),
            // The same key under another rubric is another label.
            (2, "ben", "helpfulness", Some("3"), 3, 5, "label"),
            (3, "golden:v1", "correct", Some("\"pass\""), 1, 60, "golden:g.jsonl:2"),
            (3, "carl", "correct", Some("\"pass\""), 1, 60, "golden:g.jsonl:3"),
            (3, "carl", "grounded", Some("\"partial\""), 1, 61, "import:x.csv:2"),
        ] {
            insert_event(&store, event);
        }
        let counts = store.counts().unwrap();
        let (items, labels, events, golden) = scanned_counts(&store);
        assert_eq!((counts.items, counts.labels, counts.label_events), (items, labels, events));
        // ana 1 (fail), ben 1 (pass at 500), ben helpfulness x2, golden, carl x2.
        assert_eq!(counts.labels, 7);
        assert_eq!(counts.datasets, 2);
        assert_eq!(counts.raters, 4);
        assert_eq!(store.golden_raters().unwrap().into_iter().collect::<Vec<_>>(), golden);
        assert_eq!(golden, ["carl", "golden:v1"]);
    }

    proptest::proptest! {
        /// Whatever the order, times and retractions of the events, the kept count of
        /// current labels is the one the window function over every event gives.
        #[test]
        fn the_label_counter_matches_a_full_scan(
            events in proptest::collection::vec(
                (1i64..=3, 0usize..2, 0usize..2, proptest::option::of(0u8..3), 1i64..=3, 0i64..6),
                0..40,
            )
        ) {
            let store = counted_store();
            for (item, rater, criterion, value, rubric, at) in events {
                let value = value.map(|v| v.to_string());
                insert_event(&store, (item, ["a", "b"][rater], ["c", "d"][criterion], value.as_deref(), rubric, at, "t"));
            }
            let (_, labels, events, _) = scanned_counts(&store);
            let counts = store.counts().unwrap();
            proptest::prop_assert_eq!((counts.labels, counts.label_events), (labels, events));
        }
    }

    fn bulk_label(
        item_id: i64,
        rater: &str,
        criterion: &str,
        value: Option<&Value>,
        rubric_id: i64,
    ) -> NewLabel<'static> {
        let leak = |text: &str| -> &'static str { Box::leak(text.to_string().into_boxed_str()) };
        NewLabel {
            item_id,
            rater: leak(rater),
            criterion: leak(criterion),
            value: value.map(|value| &*Box::leak(Box::new(value.clone()))),
            comment: None,
            rubric_id,
            batch_id: None,
            duration_ms: None,
            source: leak(if rater.starts_with("gold") { "golden:g.jsonl:2" } else { "import:l.csv:2" }),
        }
    }

    /// A bulk writer finds the events it appended, whether they are still waiting to be
    /// inserted or already in the store (unit tests insert 3 rows a statement), as the
    /// store holds them after the commit.
    #[test]
    fn a_bulk_writer_finds_the_events_it_appended_before_and_after_inserting_them() {
        let mut store = counted_store();
        let values: Vec<Value> = (0..8).map(Value::from).collect();
        let found = store
            .write(|tx| {
                tx.write_labels(|writer| {
                    let mut found = Vec::new();
                    for (index, value) in values.iter().enumerate() {
                        let criterion = ["c", "d", "e", "f"][index % 4];
                        // A comment: its chunk of rows binds every column.
                        let comment = (index == 5).then_some("why");
                        writer
                            .append_label(&NewLabel { comment, ..bulk_label(1, "ana", criterion, Some(value), 1) })?;
                        // The one just appended (waiting), and criterion c's (inserted by
                        // now, or appended again at index 4), under either version of `r`.
                        let just = writer.current_label_event(1, "ana", criterion, 2)?.unwrap();
                        assert_eq!(just.value, Some(index.to_string()));
                        let first = writer.current_label_event(1, "ana", "c", 1)?.unwrap();
                        assert_eq!(first.value.as_deref(), Some(if index < 4 { "0" } else { "4" }));
                        found.extend([just, first]);
                    }
                    Ok::<_, StoreError>(found)
                })
            })
            .unwrap();
        for event in found {
            let stored = store
                .conn
                .query_row(
                    "SELECT id, value, comment, source, created_at FROM label_events WHERE id = ?1",
                    [event.id],
                    |row| {
                        Ok(LabelEvent {
                            id: row.get(0)?,
                            value: row.get(1)?,
                            comment: row.get(2)?,
                            source: row.get(3)?,
                            created_at: row.get(4)?,
                        })
                    },
                )
                .unwrap();
            assert_eq!(event, stored);
        }
        let comments: Vec<Option<String>> = store
            .conn
            .prepare("SELECT comment FROM label_events ORDER BY id")
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(comments.iter().filter(|comment| comment.is_some()).collect::<Vec<_>>(), [&Some("why".to_string())]);
        assert_eq!(comments[5].as_deref(), Some("why"));
    }

    proptest::proptest! {
        /// A bulk writer's confirms, held and inserted in the index's order (7 at a time
        /// in unit tests), leave each assignment in the state confirming it one call at a
        /// time would: over earlier confirms, reopens and skips, items met in any order
        /// and again later, and raters with no assignment.
        #[test]
        fn bulk_confirms_match_confirming_one_at_a_time(
            earlier in proptest::collection::vec((1i64..=3, 0usize..3, 0usize..3, 0usize..3), 0..8),
            calls in proptest::collection::vec((1i64..=3, 0usize..4), 0..30),
        ) {
            let raters = ["ana", "ben", "cy", "dee"];
            let [mut store, mut one_by_one] = [counted_store(), counted_store()];
            for store in [&store, &one_by_one] {
                store
                    .conn
                    .execute_batch(
                        "INSERT INTO batches VALUES (1, 'b', 1, NULL, 3, 0, 0), (2, 'other', 3, NULL, 3, 0, 0);
                         INSERT INTO assignments (batch_id, rater, position, item_id)
                         SELECT b.id, r.name, i.id, i.id FROM (SELECT 1 AS id UNION ALL SELECT 2) b,
                             (SELECT 'ana' AS name UNION ALL SELECT 'ben' UNION ALL SELECT 'cy') r, items i;",
                    )
                    .unwrap();
                for (at, (item, rater, action, batch)) in earlier.iter().enumerate() {
                    let action = ["confirm", "unconfirm", "skip"][*action];
                    store
                        .conn
                        .execute(
                            "INSERT INTO item_events (batch_id, item_id, rater, action, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                            rusqlite::params![[1, 2, 1][*batch], item, raters[*rater], action, at as i64],
                        )
                        .unwrap();
                }
            }
            let confirmed = store
                .write(|tx| {
                    tx.write_labels(|writer| {
                        calls.iter().map(|(item, rater)| writer.confirm_where_assigned(*item, raters[*rater], "r")).sum::<Result<usize, _>>()
                    })
                })
                .unwrap();
            let expected = one_by_one
                .write(|tx| calls.iter().map(|(item, rater)| tx.confirm_where_assigned(*item, raters[*rater], "r")).sum::<Result<usize, _>>())
                .unwrap();
            proptest::prop_assert_eq!(confirmed, expected);
            let confirms = |store: &Store| -> Vec<String> {
                store
                    .conn
                    .prepare(
                        "SELECT concat_ws('|', batch_id, item_id, rater, action) FROM item_events
                         ORDER BY batch_id, item_id, rater, created_at, action",
                    )
                    .unwrap()
                    .query_map([], |row| row.get(0))
                    .unwrap()
                    .collect::<Result<_, _>>()
                    .unwrap()
            };
            proptest::prop_assert_eq!(confirms(&store), confirms(&one_by_one));
        }
    }

    fn assert_counts_match_a_scan(store: &Store) {
        let counts = store.counts().unwrap();
        let (items, labels, events, golden) = scanned_counts(store);
        assert_eq!((counts.items, counts.labels, counts.label_events), (items, labels, events));
        assert_eq!(store.golden_raters().unwrap().into_iter().collect::<Vec<_>>(), golden);
        let raters: i64 =
            store.conn.query_row("SELECT count(DISTINCT rater) FROM label_events", [], |row| row.get(0)).unwrap();
        assert_eq!(counts.raters, raters);
    }

    #[test]
    fn a_bulk_write_keeps_the_counters_as_the_triggers_would() {
        let store = counted_store();
        let far = i64::MAX / 2;
        for event in [
            (1, "ana", "c", Some("\"pass\""), 1, 100, "label"),
            (1, "ben", "c", None, 1, 100, "label"),
            // From a clock ahead of this one: stays the label whatever the import writes.
            (2, "ana", "c", Some("\"fail\""), 2, far, "label"),
        ] {
            insert_event(&store, event);
        }
        let mut store = store;
        let pass = Value::from("pass");
        store
            .write(|tx| {
                tx.write_labels(|writer| {
                    for label in [
                        bulk_label(1, "ana", "c", Some(&pass), 2), // replaces a value: no new label
                        bulk_label(1, "ben", "c", Some(&pass), 1), // over a retraction: one more
                        bulk_label(2, "ana", "c", Some(&pass), 1), // older than the standing event
                        bulk_label(2, "ana", "c", Some(&pass), 3), // another rubric: another label
                        bulk_label(3, "dan", "c", None, 1),        // retracts nothing
                        bulk_label(3, "dan", "d", Some(&pass), 1),
                        bulk_label(3, "dan", "d", Some(&pass), 1), // again, over the line before
                        bulk_label(3, "dan", "e", Some(&pass), 1),
                        bulk_label(3, "dan", "e", None, 1), // retracts the line before
                        bulk_label(3, "golden:v1", "c", Some(&pass), 1),
                    ] {
                        writer.append_label(&label)?;
                    }
                    Ok::<_, StoreError>(())
                })?;
                let item = crate::model::Item { id: "i4".into(), dataset: "d3".into(), ..Default::default() };
                tx.upsert_item(&item, "x.jsonl", 1, OnConflict::Error)?;
                Ok::<_, StoreError>(())
            })
            .unwrap();
        assert_counts_match_a_scan(&store);
        assert_eq!(store.counts().unwrap().labels, 6);
        // The triggers are back: they count the next event, and guard the history.
        insert_event(&store, (3, "dan", "f", Some("1"), 1, 5, "label"));
        assert_counts_match_a_scan(&store);
        assert!(store.conn.execute("DELETE FROM label_events", []).is_err());

        // A bulk write that fails leaves the counters and the triggers as they were.
        let before = store.counts().unwrap();
        let failed = store.write(|tx| {
            tx.write_labels(|writer| writer.append_label(&bulk_label(1, "eve", "c", Some(&pass), 1)))?;
            Err::<(), _>(StoreError::Invalid("no".into()))
        });
        assert!(failed.is_err());
        assert_eq!(store.counts().unwrap(), before);
        insert_event(&store, (3, "dan", "g", Some("1"), 1, 5, "label"));
        assert_counts_match_a_scan(&store);
    }

    proptest::proptest! {
        /// Labels written in bulk over any history leave the counters where the triggers
        /// would have: the same as a full scan.
        #[test]
        fn bulk_label_counts_match_a_full_scan(
            history in proptest::collection::vec(
                (1i64..=3, 0usize..2, 0usize..2, proptest::option::of(0u8..3), 1i64..=3, proptest::bool::ANY),
                0..20,
            ),
            labels in proptest::collection::vec(
                (1i64..=3, 0usize..3, 0usize..2, proptest::option::of(0u8..3), 1i64..=3),
                0..30,
            ),
        ) {
            // The same labels written in bulk, and one at a time with the triggers on.
            let [mut store, mut one_by_one] = [counted_store(), counted_store()];
            for (item, rater, criterion, value, rubric, future) in history {
                let value = value.map(|v| v.to_string());
                let at = if future { i64::MAX / 2 } else { 5 };
                for store in [&store, &one_by_one] {
                    insert_event(store, (item, ["a", "b"][rater], ["c", "d"][criterion], value.as_deref(), rubric, at, "t"));
                }
            }
            let labels: Vec<_> = labels
                .iter()
                .map(|(item, rater, criterion, value, rubric)| {
                    let value = value.map(Value::from);
                    bulk_label(*item, ["a", "b", "golden:g"][*rater], ["c", "d"][*criterion], value.as_ref(), *rubric)
                })
                .collect();
            store
                .write(|tx| {
                    tx.write_labels(|writer| {
                        for label in &labels {
                            writer.append_label(label)?;
                        }
                        Ok::<_, StoreError>(())
                    })
                })
                .unwrap();
            one_by_one
                .write(|tx| {
                    for label in &labels {
                        tx.append_label(label)?;
                    }
                    Ok::<_, StoreError>(())
                })
                .unwrap();
            assert_counts_match_a_scan(&store);
            // Every column but the time, as text.
            let events = |store: &Store| -> Vec<String> {
                store
                    .conn
                    .prepare(
                        "SELECT concat_ws('|', id, item_id, rater, criterion, value, rubric_id, source)
                         FROM label_events ORDER BY id",
                    )
                    .unwrap()
                    .query_map([], |row| row.get(0))
                    .unwrap()
                    .collect::<Result<_, _>>()
                    .unwrap()
            };
            proptest::prop_assert_eq!(events(&store), events(&one_by_one));
        }
    }

    #[test]
    fn migration_5_counts_what_an_existing_store_holds() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        // A store at schema 4 with labels, as the previous tally left it.
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "application_id", APPLICATION_ID).unwrap();
        for migration in &MIGRATIONS[..4] {
            conn.execute_batch(migration).unwrap();
        }
        conn.pragma_update(None, "user_version", 4).unwrap();
        conn.execute_batch(
            "INSERT INTO rubrics VALUES (1, 'r', 1, 'h1', '', '', 0);
             INSERT INTO items VALUES (1, 'i1', 'd1', '', 'o', NULL, '[]', '{}', '{}', 'x', NULL, NULL, 0),
                                      (2, 'i2', 'd1', '', 'o', NULL, '[]', '{}', '{}', 'x', NULL, NULL, 0);
             INSERT INTO label_events (item_id, rater, criterion, value, rubric_id, created_at, source) VALUES
                 (1, 'ana', 'c', '\"pass\"', 1, 1, 'label'), (1, 'ana', 'c', NULL, 1, 2, 'label'),
                 (2, 'ana', 'c', '\"pass\"', 1, 1, 'label'), (2, 'golden:g', 'c', '\"pass\"', 1, 1, 'golden:g:2'),
                 (2, 'ben', 'c', '\"fail\"', 1, 1, 'golden:g:3');",
        )
        .unwrap();
        drop(conn);
        let store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len() as i64);
        let counts = store.counts().unwrap();
        assert_eq!((counts.items, counts.labels, counts.label_events, counts.raters), (2, 3, 5, 3));
        assert_eq!(store.golden_raters().unwrap().into_iter().collect::<Vec<_>>(), ["ben", "golden:g"]);
        // The triggers go on counting from there.
        insert_event(&store, (1, "ana", "c", Some("\"fail\""), 1, 3, "label"));
        assert_eq!(store.counts().unwrap().labels, 4);
        let indexed: i64 = store
            .conn
            .query_row("SELECT count(*) FROM sqlite_master WHERE name = 'assignments_by_item'", [], |row| row.get(0))
            .unwrap();
        assert_eq!(indexed, 1);
    }
}
