//! What tally does to files that are not its stores, to stores it only reads, and to a
//! rater's demo store: issue #11, items 2, 3, 10 and 11.

mod common;

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use common::{ReadOnlyFolder, Sandbox, repo};

fn sample_store() -> Sandbox {
    Sandbox::with_sample_labels()
}

/// Every file in the sandbox folder, with its bytes.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .map(|path| (path.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&path).unwrap()))
        .collect();
    files.sort();
    files
}

/// A SQLite file of some other program: in WAL mode, with user_version set, to be sure
/// neither is taken as a sign of a tally store.
fn foreign_database(path: &Path, journal: &str) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row(&format!("PRAGMA journal_mode = {journal}"), [], |row| row.get::<_, String>(0)).unwrap();
    conn.execute_batch("PRAGMA user_version = 3; CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine');")
        .unwrap();
}

#[test]
fn a_foreign_sqlite_file_is_refused_and_left_byte_identical() {
    for journal in ["wal", "delete"] {
        let sandbox = Sandbox::new();
        foreign_database(&sandbox.path("notes.db"), journal);
        let before = snapshot(sandbox.dir.path());
        for args in [
            vec!["status"],
            vec!["init"],
            vec!["import", &repo("sample_data/rag_items.jsonl")],
            vec!["rubric", "add", &repo("guidelines/rag-answer-quality.toml")],
            vec!["report", "agreement"],
            vec!["export", "--out", "g.jsonl"],
            vec!["label", "--rater", "x"],
            vec!["demo", "--no-label"],
        ] {
            let output = sandbox.run_on("notes.db", &args);
            assert!(!output.status.success(), "{args:?} accepted a foreign file");
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(stderr.contains("notes.db: not a tally store"), "{args:?}: {stderr}");
            assert_eq!(snapshot(sandbox.dir.path()), before, "{args:?} changed the folder ({journal})");
        }
        let conn = rusqlite::Connection::open(sandbox.path("notes.db")).unwrap();
        let mode: String = conn.query_row("PRAGMA journal_mode", [], |row| row.get(0)).unwrap();
        assert_eq!(mode, journal);
    }
}

#[test]
fn merge_of_a_foreign_file_says_so_and_suggests_nothing_that_converts_it() {
    let sandbox = sample_store();
    foreign_database(&sandbox.path("notes.db"), "wal");
    let before = std::fs::read(sandbox.path("notes.db")).unwrap();
    let stderr = sandbox.fails(&["merge", "notes.db"]);
    assert!(stderr.contains("notes.db: not a tally store"), "{stderr}");
    assert!(!stderr.contains("status"), "suggests a command: {stderr}");
    assert_eq!(std::fs::read(sandbox.path("notes.db")).unwrap(), before);
}

#[test]
fn text_files_empty_files_and_folders_are_not_stores() {
    let sandbox = Sandbox::new();
    sandbox.write("notes.txt", "not a database\n");
    sandbox.write("empty.db", "");
    std::fs::create_dir(sandbox.path("folder.db")).unwrap();
    for (db, why) in
        [("notes.txt", "not a SQLite file"), ("empty.db", "an empty file"), ("folder.db", "it is a folder")]
    {
        let output = sandbox.run_on(db, &["status"]);
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(&format!("{db}: not a tally store ({why})")), "{stderr}");
    }
    assert_eq!(std::fs::read(sandbox.path("notes.txt")).unwrap(), b"not a database\n");
    assert_eq!(std::fs::read(sandbox.path("empty.db")).unwrap(), b"");
    // `init` may make a store of an empty file: it is nobody's data.
    sandbox.ok_on("empty.db", &["init"]);
    sandbox.ok_on("empty.db", &["status"]);
}

#[test]
fn a_missing_path_is_not_created() {
    let sandbox = Sandbox::new();
    for args in [
        vec!["status"],
        vec!["import", &repo("sample_data/rag_items.jsonl")],
        vec!["rubric", "add", &repo("guidelines/rag-answer-quality.toml")],
        vec!["report", "agreement"],
        vec!["items"],
        vec!["label", "--rater", "x"],
    ] {
        let output = sandbox.run_on("typo/tally.db", &args);
        assert!(!output.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("no store at typo/tally.db (create one with `tally init`)"), "{args:?}: {stderr}");
        assert!(!sandbox.path("typo").exists(), "{args:?} made the folder");
    }
    // Without --db, the default store in the user data folder is not made either.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_tally"))
        .arg("status")
        .current_dir(sandbox.dir.path())
        .env_remove("TALLY_DB")
        .env("HOME", sandbox.dir.path())
        .env("XDG_DATA_HOME", sandbox.path("data"))
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(!sandbox.path("data").exists());
    sandbox.ok_on("made/tally.db", &["init"]);
    assert!(sandbox.path("made/tally.db").is_file());
}

/// Holds the store's write lock, as a long `labels import` does, until told to stop.
fn hold_write_lock(path: &Path) -> (mpsc::Sender<()>, std::thread::JoinHandle<()>) {
    let (locked_tx, locked_rx) = mpsc::channel();
    let (stop_tx, stop_rx) = mpsc::channel::<()>();
    let path = path.to_path_buf();
    let holder = std::thread::spawn(move || {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("BEGIN IMMEDIATE; INSERT INTO settings (key, value) VALUES ('held', 'yes');").unwrap();
        locked_tx.send(()).unwrap();
        let _ = stop_rx.recv_timeout(Duration::from_secs(300));
        conn.execute_batch("ROLLBACK").unwrap();
    });
    locked_rx.recv().unwrap();
    (stop_tx, holder)
}

#[test]
fn reads_succeed_while_another_process_holds_the_write_lock() {
    let sandbox = sample_store();
    let (stop, holder) = hold_write_lock(&sandbox.path("tally.db"));
    for args in [
        vec!["status"],
        vec!["items"],
        vec!["show", "q-0003-v1"],
        vec!["rubric", "list"],
        vec!["batch", "list"],
        vec!["report", "agreement", "--replicates", "20"],
        vec!["report", "judge", "--replicates", "20"],
        vec!["report", "progress"],
        vec!["export", "--out", "golden/g.jsonl"],
        vec!["gate", "--min-alpha", "0.1", "--replicates", "20"],
    ] {
        let output = sandbox.run(&args);
        assert!(output.status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    stop.send(()).unwrap();
    holder.join().unwrap();
}

#[test]
fn a_store_in_a_read_only_folder_can_be_read_and_says_why_it_cannot_be_written() {
    let sandbox = sample_store();
    std::fs::create_dir(sandbox.path("shelf")).unwrap();
    std::fs::copy(sandbox.path("tally.db"), sandbox.path("shelf/tally.db")).unwrap();
    let folder = sandbox.path("shelf");
    let _read_only = ReadOnlyFolder::new(&folder);
    assert!(std::fs::write(folder.join("probe"), "x").is_err(), "the folder is still writable");
    let status = sandbox.ok_on("shelf/tally.db", &["status"]);
    assert!(status.contains("items"), "{status}");
    let report = sandbox.ok_on("shelf/tally.db", &["report", "agreement", "--replicates", "20"]);
    assert!(report.contains("correct"), "{report}");

    let new_item = sandbox.write("new.jsonl", "{\"id\": \"new-1\", \"input\": \"q\", \"output\": \"o\"}\n");
    let rubric = repo("guidelines/rag-answer-quality.toml");
    let writes = [vec!["import", new_item.to_str().unwrap()], vec!["rubric", "add", &rubric]];
    for args in writes {
        let output = sandbox.run_on("shelf/tally.db", &args);
        assert!(!output.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.matches("shelf/tally.db").count(), 1, "{args:?}: {stderr}");
        assert!(!stderr.contains("Error code"), "{stderr}");
        assert!(stderr.contains("read-only"), "{stderr}");
    }
}

#[test]
fn store_errors_name_the_store_once_and_a_corrupt_merge_source_is_named_as_the_source() {
    let sandbox = sample_store();
    std::fs::copy(sandbox.path("tally.db"), sandbox.path("copy.db")).unwrap();
    // Damage the copy's pages, past the header.
    let mut bytes = std::fs::read(sandbox.path("copy.db")).unwrap();
    let damaged = bytes.len().saturating_sub(4096).min(40 * 4096);
    for byte in bytes.iter_mut().skip(4096).take(damaged) {
        *byte = 0x5a;
    }
    std::fs::write(sandbox.path("copy.db"), bytes).unwrap();

    let stderr = sandbox.fails(&["merge", "copy.db"]);
    assert!(stderr.contains("copy.db"), "{stderr}");
    assert!(!stderr.contains("tally.db"), "blames the user's store: {stderr}");
    assert!(!stderr.contains("Error code"), "{stderr}");

    let output = sandbox.run_on("copy.db", &["report", "agreement"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.matches("copy.db").count(), 1, "{stderr}");
    assert!(!stderr.contains("Error code"), "{stderr}");
}

#[test]
fn demo_keeps_the_raters_labels_unless_asked_for_a_fresh_store() {
    let sandbox = Sandbox::new();
    let built = sandbox.ok_on("demo.db", &["demo", "--no-label"]);
    assert!(built.contains("demo.db"), "{built}");
    let labels = |sandbox: &Sandbox| -> String { sandbox.ok_on("demo.db", &["show", "q-0001-v1"]) };
    sandbox.write("mine.csv", "item,rater,criterion,value\nq-0001-v1,demo,correct,fail\n");
    sandbox.ok_on("demo.db", &["labels", "import", "mine.csv"]);
    assert!(labels(&sandbox).contains("demo"));

    sandbox.ok_on("demo.db", &["demo", "--no-label"]);
    assert!(labels(&sandbox).contains("demo"), "running demo again lost the rater's label");

    sandbox.ok_on("demo.db", &["demo", "--no-label", "--fresh"]);
    assert!(!labels(&sandbox).contains("demo"), "--fresh kept the old label");
}

#[test]
fn demo_leaves_a_store_it_did_not_build_alone() {
    let sandbox = sample_store();
    let before = std::fs::read(sandbox.path("tally.db")).unwrap();
    for args in [vec!["demo", "--no-label"], vec!["demo", "--no-label", "--fresh"]] {
        let stderr = sandbox.fails(&args);
        assert!(stderr.contains("did not build"), "{stderr}");
        assert_eq!(std::fs::read(sandbox.path("tally.db")).unwrap(), before);
    }
}

#[test]
fn the_review_screen_loads_while_another_process_holds_the_write_lock() {
    let sandbox = sample_store();
    let (stop, holder) = hold_write_lock(&sandbox.path("tally.db"));
    let mut store = tally::store::Store::open(&sandbox.path("tally.db")).unwrap();
    let rubric = store.rubric_latest("rag-answer-quality").unwrap().unwrap();
    let batch = store.batch("pilot").unwrap();
    let mut session =
        tally::tui::review::Session::new(&mut store, rubric, batch.as_ref(), "lead", tally::tui::theme::Theme::plain())
            .unwrap();
    session.wait_items();
    assert_eq!(session.screen.listed().len(), 160);
    drop(session);
    stop.send(()).unwrap();
    holder.join().unwrap();
}
