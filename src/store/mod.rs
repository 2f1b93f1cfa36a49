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
mod items;
mod labels;
mod merge;
mod rubrics;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

pub use batches::{Batch, BatchSummary, ItemAction, ItemMark, NewBatch, ProgressRow, QueueEntry};
pub use comments::LabelComment;
pub use items::{OnConflict, Upsert};
pub use labels::{Adjudication, CurrentLabel, LabelScope, NewAdjudication, NewLabel};
pub use merge::MergeSummary;
pub use rubrics::{RubricSummary, StoredRubric};

/// Numbered migrations; the schema version is how many have run (`PRAGMA user_version`).
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_init.sql"),
    include_str!("migrations/0002_item_event_notes.sql"),
    include_str!("migrations/0003_honeypots.sql"),
    include_str!("migrations/0004_settings.sql"),
];

/// How long a writer waits for another (8 raters on one host) before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: cannot open the store: {source}")]
    Open { path: String, source: rusqlite::Error },
    #[error("{path}: the store has schema version {found}, newer than this tally knows ({known}); upgrade tally")]
    TooNew { path: String, found: i64, known: i64 },
    #[error("store: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("store: corrupt JSON in column {column}: {source}")]
    Json { column: &'static str, source: serde_json::Error },
    #[error("{0}")]
    Invalid(String),
}

pub struct Store {
    conn: Connection,
    path: Option<PathBuf>,
}

/// A write transaction; committed by [`Store::write`] when its closure succeeds.
pub struct Tx<'c> {
    tx: rusqlite::Transaction<'c>,
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
    /// Creates a new store at `path` (or opens the tally store already there).
    pub fn create(path: &Path) -> Result<Store, StoreError> {
        Store::open(path)
    }

    /// Opens (creating if needed) the store at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let shown = path.display().to_string();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|err| {
                StoreError::Invalid(format!("{}: cannot create the store's folder: {err}", parent.display()))
            })?;
        }
        let conn = Connection::open(path).map_err(|source| StoreError::Open { path: shown.clone(), source })?;
        Store::setup(conn, Some(path.to_path_buf())).map_err(|err| match err {
            StoreError::Sql(source) => StoreError::Open { path: shown, source },
            other => other,
        })
    }

    /// A private store in memory, for tests and throwaway work.
    pub fn open_in_memory() -> Result<Store, StoreError> {
        Store::setup(Connection::open_in_memory()?, None)
    }

    fn setup(conn: Connection, path: Option<PathBuf>) -> Result<Store, StoreError> {
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // WAL lets raters read while another writes; FULL sync makes a committed label
        // survive power loss, not only a crash of tally.
        conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get::<_, String>(0))?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let mut store = Store { conn, path };
        store.migrate()?;
        Ok(store)
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let known = MIGRATIONS.len() as i64;
        let shown = self.path_display();
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

    /// Runs `work` in one write transaction: committed if it returns `Ok`, rolled back
    /// (the store exactly as before) if it returns `Err` or panics.
    pub fn write<T, E: From<StoreError>>(&mut self, work: impl FnOnce(&Tx) -> Result<T, E>) -> Result<T, E> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(StoreError::from)?;
        let tx = Tx { tx };
        let value = work(&tx)?;
        tx.tx.commit().map_err(StoreError::from)?;
        Ok(value)
    }

    pub fn counts(&self) -> Result<Counts, StoreError> {
        let count = |sql: &str| -> Result<i64, StoreError> { Ok(self.conn.query_row(sql, [], |row| row.get(0))?) };
        Ok(Counts {
            items: count("SELECT count(*) FROM items")?,
            datasets: count("SELECT count(DISTINCT dataset) FROM items")?,
            rubrics: count("SELECT count(*) FROM rubrics")?,
            batches: count("SELECT count(*) FROM batches")?,
            labels: count(
                "SELECT count(*) FROM (SELECT e.value, row_number() OVER (PARTITION BY e.item_id, e.rater,
                 e.criterion, r.name ORDER BY e.created_at DESC, e.id DESC) AS newest FROM label_events e
                 JOIN rubrics r ON r.id = e.rubric_id) WHERE newest = 1 AND value IS NOT NULL",
            )?,
            label_events: count("SELECT count(*) FROM label_events")?,
            raters: count("SELECT count(*) FROM (SELECT rater FROM label_events UNION SELECT rater FROM assignments)")?,
            adjudications: count("SELECT count(*) FROM adjudications")?,
        })
    }
}

impl Store {
    /// How long a write waits for the write lock before failing as busy. The label
    /// screen's writer waits briefly and retries, so it can stop when asked.
    pub fn set_busy_timeout(&self, timeout: Duration) -> Result<(), StoreError> {
        Ok(self.conn.busy_timeout(timeout)?)
    }
}

impl StoreError {
    /// Whether another connection held the lock: worth retrying, unlike other errors.
    pub fn is_busy(&self) -> bool {
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(self);
        while let Some(error) = cause {
            if let Some(rusqlite::Error::SqliteFailure(failure, _)) = error.downcast_ref::<rusqlite::Error>() {
                return matches!(failure.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked);
            }
            cause = error.source();
        }
        false
    }
}

pub(crate) fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

fn parse_json<T: serde::de::DeserializeOwned>(column: &'static str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|source| StoreError::Json { column, source })
}

fn optional<T>(result: rusqlite::Result<T>) -> Result<Option<T>, StoreError> {
    Ok(result.optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;

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
             INSERT INTO items VALUES (1, 'i', 'd', '', 'o', NULL, '[]', '{}', '{}', 'x', NULL, NULL, 0);
             INSERT INTO label_events (item_id, rater, criterion, value, rubric_id, created_at, source)
             VALUES (1, 'a', 'c', '\"v\"', 1, 0, 'test');",
            )
            .unwrap();
        let err = store.conn.execute("UPDATE label_events SET value = NULL", []).unwrap_err();
        assert!(err.to_string().contains("append-only"));
        let err = store.conn.execute("DELETE FROM label_events", []).unwrap_err();
        assert!(err.to_string().contains("append-only"));
    }
}
