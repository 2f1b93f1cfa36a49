//! Many raters on one store file at once, and writers killed mid-write. The writers are
//! this test binary run again as child processes (selected by an environment variable),
//! so each is a separate process with its own SQLite connection, as raters are.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use tally::io::Format;
use tally::io::items::{ImportOptions, import};
use tally::model::Rubric;
use tally::store::{NewLabel, Store};

const RUBRIC: &str = include_str!("../guidelines/rag-answer-quality.toml");
const WRITER: &str = "TALLY_TEST_WRITER";
const ITEMS: usize = 50;
/// Marks a label the writer saw committed (libtest may print on the same line first).
const COMMITTED: &str = "COMMITTED ";

fn committed(line: &str) -> Option<String> {
    line.split_once(COMMITTED).map(|(_, comment)| comment.to_string())
}

/// A store with 50 items and the rubric.
fn prepare(path: &Path) {
    let mut store = Store::create(path).unwrap();
    let items: String = (0..ITEMS).map(|i| format!("{{\"id\": \"i{i}\", \"output\": \"answer {i}\"}}\n")).collect();
    import(&mut store, items.as_bytes(), Format::Jsonl, "items.jsonl", "ds", &ImportOptions::default()).unwrap();
    let rubric = Rubric::from_toml(RUBRIC, "r.toml").unwrap();
    store.write(|tx| tx.add_rubric(&rubric, RUBRIC, "")).unwrap();
}

/// Child mode: records `count` labels as `rater`, one transaction each (as the label
/// screen does per key), printing each label's number once its commit returned.
fn write_labels(path: &str, rater: &str, count: usize) {
    let mut store = Store::open(Path::new(path)).unwrap();
    let rubric_id = store.rubric_latest("rag-answer-quality").unwrap().unwrap().id;
    let ids = store.item_ids(None).unwrap();
    let values = ["1", "2", "3", "4", "5"];
    for n in 0..count {
        let value = serde_json::json!(values[n % values.len()]);
        // Each label goes to its own (item, criterion) slot through a unique comment, so
        // every one of them is a new event.
        let comment = format!("{rater}-{n}");
        store
            .write(|tx| {
                tx.record_label(&NewLabel {
                    item_id: ids[n % ids.len()],
                    rater,
                    criterion: "helpfulness",
                    value: Some(&value),
                    comment: Some(&comment),
                    rubric_id,
                    batch_id: None,
                    duration_ms: Some(1),
                    source: "test",
                })
            })
            .unwrap();
        println!("{COMMITTED}{comment}");
    }
}

/// Runs this test binary's `test` as a writer child.
fn writer(test: &str, path: &Path, rater: &str, count: usize) -> Command {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args(["--exact", test, "--nocapture", "--test-threads", "1"])
        .env(WRITER, format!("{}|{rater}|{count}", path.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// In a child, does the writing and returns true.
fn child_mode() -> bool {
    let Ok(spec) = std::env::var(WRITER) else { return false };
    let mut parts = spec.split('|');
    let (path, rater, count) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap());
    write_labels(path, rater, count.parse().unwrap());
    true
}

fn event_comments(path: &Path) -> std::collections::BTreeSet<String> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut statement = conn.prepare("SELECT comment FROM label_events").unwrap();
    statement.query_map([], |row| row.get(0)).unwrap().collect::<Result<_, _>>().unwrap()
}

fn integrity(path: &Path) -> String {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row("PRAGMA integrity_check", [], |row| row.get(0)).unwrap()
}

#[test]
fn eight_raters_write_at_once() {
    if child_mode() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.db");
    prepare(&path);
    let started = std::time::Instant::now();
    let children: Vec<_> = (0..8)
        .map(|i| writer("eight_raters_write_at_once", &path, &format!("rater{i}"), 1000).spawn().unwrap())
        .collect();
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "a writer failed: {}", String::from_utf8_lossy(&output.stderr));
        let reported = String::from_utf8_lossy(&output.stdout).lines().filter_map(committed).count();
        assert_eq!(reported, 1000);
    }
    assert_eq!(event_comments(&path).len(), 8000);
    assert_eq!(integrity(&path), "ok");
    eprintln!("8 processes x 1,000 labels: 8,000 stored in {:.2} s, no error", started.elapsed().as_secs_f64());
}

#[test]
fn killed_writers_lose_nothing_they_reported() {
    if child_mode() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crash.db");
    prepare(&path);
    let mut reported = std::collections::BTreeSet::new();
    let mut rng = tally::stats::rng::Rng::new(20);
    for round in 0..20 {
        let mut child =
            writer("killed_writers_lose_nothing_they_reported", &path, &format!("k{round}"), 100_000).spawn().unwrap();
        // Read what it reports until a random count, then kill -9 mid-stream.
        let stop_after = 20 + rng.below(400);
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        for _ in 0..stop_after {
            match lines.next() {
                Some(Ok(line)) => reported.extend(committed(&line)),
                _ => break,
            }
        }
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        // Lines the child wrote before dying were committed too; read them all.
        reported.extend(lines.map_while(Result::ok).filter_map(|line| committed(&line)));
        assert_eq!(integrity(&path), "ok", "after kill {round}");
    }
    let stored = event_comments(&path);
    let missing: Vec<&String> = reported.iter().filter(|comment| !stored.contains(*comment)).collect();
    assert!(missing.is_empty(), "{} reported labels are missing: {missing:?}", missing.len());
    assert!(reported.len() >= 20 * 20);
    eprintln!("{} labels reported committed across 20 kill -9s: all present, integrity ok", reported.len());
}
