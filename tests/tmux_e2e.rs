//! The real binary in a real terminal: tmux drives `tally label` and `tally review` by keys. Skipped, with a
//! message, where tmux is not installed.

mod common;

use std::process::Command;
use std::thread::sleep;
use std::time::Duration;

use common::{Sandbox, repo};

struct Tmux {
    socket: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux").args(["-L", &self.socket]).args(args).output().unwrap()
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "e2e"]).stdout).into_owned()
    }

    /// Waits for `text` on screen. The bound only keeps a broken run from hanging CI; it
    /// is not a speed requirement.
    fn wait_for(&self, text: &str) -> String {
        for _ in 0..300 {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            sleep(Duration::from_millis(100));
        }
        panic!("`{text}` never appeared; the screen:\n{}", self.screen());
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "e2e"];
        args.extend_from_slice(keys);
        assert!(self.run(&args).status.success());
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

#[test]
fn label_five_items_by_keys_in_tmux() {
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!("skipped: tmux is not installed");
        return;
    }
    let sandbox = Sandbox::with_store();
    sandbox.ok(&["import", &repo("sample_data/rag_items.jsonl")]);
    sandbox.ok(&["rubric", "add", &repo("guidelines/rag-answer-quality.toml")]);
    sandbox.ok(&["batch", "create", "e2e", "--rubric", "rag-answer-quality", "--raters", "tester"]);
    let db = sandbox.path("tally.db");
    let command = format!(
        "env XDG_CONFIG_HOME={} NO_COLOR=1 {} --db {} label --batch e2e --rater tester",
        sandbox.path("config").display(),
        env!("CARGO_BIN_EXE_tally"),
        db.display()
    );
    let tmux = Tmux { socket: format!("tally-e2e-{}", std::process::id()) };
    let started = tmux.run(&["new-session", "-d", "-s", "e2e", "-x", "80", "-y", "24", &command]);
    assert!(started.status.success(), "{}", String::from_utf8_lossy(&started.stderr));
    tmux.wait_for("item 1 of 160");
    for done in 1..=5 {
        tmux.keys(&["y", "g", "4", "Enter"]);
        tmux.wait_for(&format!("{done}/160 done"));
    }
    // A decision on the sixth item, never confirmed, is kept too.
    tmux.keys(&["n"]);
    tmux.wait_for("[n] ✓fail");
    let screen = tmux.screen();
    assert!(!screen.contains('\u{1b}'), "{screen}");
    tmux.keys(&["q"]);
    for _ in 0..300 {
        if !tmux.run(&["has-session", "-t", "e2e"]).status.success() {
            break;
        }
        sleep(Duration::from_millis(100));
    }
    let status = sandbox.ok(&["batch", "list", "--format", "json"]);
    let batches: serde_json::Value = serde_json::from_str(&status).unwrap();
    assert_eq!(batches["batches"][0]["raters"][0], serde_json::json!(["tester", 160, 5]), "{batches}");
    let labels = tally::store::Store::open(&db)
        .unwrap()
        .current_labels(tally::store::LabelScope { rubric: "rag-answer-quality", batch_id: None })
        .unwrap();
    assert_eq!(labels.iter().filter(|label| label.criterion == "helpfulness").count(), 5);
    assert_eq!(labels.iter().filter(|label| label.criterion == "correct").count(), 6);
}

#[test]
fn a_closed_terminal_ends_the_session() {
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!("skipped: tmux is not installed");
        return;
    }
    let sandbox = Sandbox::with_store();
    sandbox.ok(&["import", &repo("sample_data/rag_items.jsonl")]);
    sandbox.ok(&["rubric", "add", &repo("guidelines/rag-answer-quality.toml")]);
    sandbox.ok(&["batch", "create", "e2e", "--rubric", "rag-answer-quality", "--raters", "tester"]);
    let command = format!(
        "env XDG_CONFIG_HOME={} {} --db {} label --batch e2e --rater tester",
        sandbox.path("config").display(),
        env!("CARGO_BIN_EXE_tally"),
        sandbox.path("tally.db").display()
    );
    let tmux = Tmux { socket: format!("tally-hangup-{}", std::process::id()) };
    assert!(tmux.run(&["new-session", "-d", "-s", "e2e", "-x", "80", "-y", "24", &command]).status.success());
    tmux.wait_for("item 1 of 160");
    tmux.keys(&["y"]);
    tmux.wait_for("[y] ✓pass");
    let pid = String::from_utf8_lossy(&tmux.run(&["display-message", "-p", "-t", "e2e", "#{pane_pid}"]).stdout)
        .trim()
        .to_string();
    // Closing the terminal (as a dropped SSH connection does) must end tally, not leave
    // it spinning; the decision made is in the store.
    tmux.run(&["kill-server"]);
    let alive = || std::path::Path::new(&format!("/proc/{pid}")).exists();
    for _ in 0..100 {
        if !alive() {
            break;
        }
        sleep(Duration::from_millis(100));
    }
    assert!(!alive(), "tally {pid} still runs after its terminal closed");
    let labels = tally::store::Store::open(&sandbox.path("tally.db"))
        .unwrap()
        .current_labels(tally::store::LabelScope { rubric: "rag-answer-quality", batch_id: None })
        .unwrap();
    assert_eq!(labels.len(), 1);
}

#[test]
fn review_filters_and_adjudicates_by_keys_in_tmux() {
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!("skipped: tmux is not installed");
        return;
    }
    let sandbox = Sandbox::with_store();
    sandbox.ok(&["import", &repo("sample_data/rag_items.jsonl")]);
    sandbox.ok(&["rubric", "add", &repo("guidelines/rag-answer-quality.toml")]);
    sandbox.ok(&["labels", "import", &repo("sample_data/rag_labels.csv")]);
    let db = sandbox.path("tally.db");
    let command = format!("env NO_COLOR=1 {} --db {} review --as lead", env!("CARGO_BIN_EXE_tally"), db.display());
    let tmux = Tmux { socket: format!("tally-review-{}", std::process::id()) };
    assert!(tmux.run(&["new-session", "-d", "-s", "e2e", "-x", "80", "-y", "24", &command]).status.success());
    tmux.wait_for("160/160 items");
    // Split on `correct`, then find the item and settle it.
    tmux.keys(&["d", "d"]);
    tmux.wait_for("disagree on correct");
    tmux.keys(&["/", "q-0015-v1", "Enter"]);
    tmux.wait_for("/q-0015-v1");
    tmux.keys(&["Enter"]);
    tmux.wait_for("1 of ");
    tmux.keys(&["n", "Enter"]);
    tmux.wait_for("why?");
    tmux.keys(&["-l", "ACH debits are not retried"]);
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("adjudicated: saved");
    assert!(screen.contains("* correct = fail by lead: ACH debits are not retried"), "{screen}");
    tmux.keys(&["Tab"]);
    tmux.wait_for("1 Progress");
    tmux.keys(&["q"]);
    for _ in 0..300 {
        if !tmux.run(&["has-session", "-t", "e2e"]).status.success() {
            break;
        }
        sleep(Duration::from_millis(100));
    }
    let shown: serde_json::Value =
        serde_json::from_str(&sandbox.ok(&["show", "q-0015-v1", "--format", "json"])).unwrap();
    assert_eq!(shown["adjudications"][0]["value"], "fail");
    assert_eq!(shown["adjudications"][0]["adjudicator"], "lead");
}

/// The repro: another process holds the write lock while the rater works. The
/// screen keeps answering keys, shows what waits as unsaved, lands it once the lock is
/// gone, and a quit while the lock is still held ends in a recovery file and a failure
/// exit instead of "every label is saved".
#[test]
fn a_held_write_lock_neither_freezes_the_screen_nor_loses_a_label() {
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!("skipped: tmux is not installed");
        return;
    }
    let sandbox = Sandbox::new();
    sandbox.ok(&["init"]);
    sandbox.ok(&["import", &repo("sample_data/rag_items.jsonl")]);
    sandbox.ok(&["rubric", "add", &repo("guidelines/rag-answer-quality.toml")]);
    sandbox.ok(&["batch", "create", "e2e", "--rubric", "rag-answer-quality", "--raters", "tester"]);
    let db = sandbox.path("tally.db");
    let (status, stderr) = (sandbox.path("status.txt"), sandbox.path("stderr.txt"));
    let command = format!(
        "env XDG_CONFIG_HOME={} NO_COLOR=1 TALLY_QUIT_WAIT_SECS=1 {} --db {} label --batch e2e --rater tester 2>{}; echo $? >{}",
        sandbox.path("config").display(),
        env!("CARGO_BIN_EXE_tally"),
        db.display(),
        stderr.display(),
        status.display()
    );
    let tmux = Tmux { socket: format!("tally-locked-{}", std::process::id()) };
    let started = tmux.run(&["new-session", "-d", "-s", "e2e", "-x", "80", "-y", "24", "sh", "-c", &command]);
    assert!(started.status.success(), "{}", String::from_utf8_lossy(&started.stderr));
    tmux.wait_for("item 1 of 160");

    // Another process (a long import, say) takes the write lock.
    let other = rusqlite::Connection::open(&db).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    tmux.keys(&["y"]);
    tmux.wait_for("✓pass…");
    tmux.keys(&["g", "5", "Enter"]);
    let screen = tmux.wait_for("confirming");
    assert!(screen.contains("0/160 done") && screen.contains("4 unsaved"), "{screen}");
    assert_eq!(count(&other, "label_events") + count(&other, "item_events"), 0);
    // It lets go: everything lands, and only then is the item done.
    other.execute_batch("ROLLBACK").unwrap();
    let screen = tmux.wait_for("1/160 done");
    assert!(!screen.contains("unsaved"), "{screen}");

    // Locked again, and the rater quits: the wait is short here (TALLY_QUIT_WAIT_SECS).
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    tmux.keys(&["n"]);
    tmux.wait_for("✓fail…");
    tmux.keys(&["q"]);
    for _ in 0..300 {
        if status.exists() && !std::fs::read_to_string(&status).unwrap().trim().is_empty() {
            break;
        }
        sleep(Duration::from_millis(100));
    }
    assert_eq!(std::fs::read_to_string(&status).unwrap().trim(), "1", "tally must fail when a label is not saved");
    let message = std::fs::read_to_string(&stderr).unwrap();
    assert!(!message.contains("every label is saved"), "{message}");
    let recovery: Vec<_> = std::fs::read_dir(sandbox.dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.file_name().unwrap().to_string_lossy().starts_with("tally-unsaved-tester-"))
        .collect();
    assert_eq!(recovery.len(), 1, "{message}");
    assert!(message.contains(&recovery[0].display().to_string()), "{message}");
    other.execute_batch("ROLLBACK").unwrap();
    drop(other);
    sandbox.ok(&["labels", "import", &recovery[0].display().to_string(), "--rubric", "rag-answer-quality"]);
    let labels = tally::store::Store::open(&db)
        .unwrap()
        .current_labels(tally::store::LabelScope { rubric: "rag-answer-quality", batch_id: None })
        .unwrap();
    let correct: Vec<String> =
        labels.iter().filter(|label| label.criterion == "correct").map(|label| label.value.to_string()).collect();
    assert_eq!(correct.len(), 2, "{labels:?}");
    assert!(correct.contains(&"\"fail\"".to_string()), "{labels:?}");
}

fn count(conn: &rusqlite::Connection, table: &str) -> i64 {
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |row| row.get(0)).unwrap()
}
