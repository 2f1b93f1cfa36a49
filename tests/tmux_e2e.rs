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

/// The issue's repro: another process holds the write lock while the rater works. The
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

/// Starts `tally label` on a fresh store in a `width`x`height` tmux window, with `rubric`
/// and three summary items.
fn label_in_tmux(sandbox: &Sandbox, rubric: &str, width: u16, height: u16, name: &str) -> Tmux {
    let items: String = (1..=3)
        .map(|i| {
            format!("{{\"id\": \"s-{i}\", \"input\": \"Summarise article {i}.\", \"output\": \"Summary {i}.\"}}\n")
        })
        .collect();
    sandbox.write("items.jsonl", items);
    sandbox.ok(&["import", "items.jsonl"]);
    sandbox.ok(&["rubric", "add", rubric]);
    let rubric_name = std::path::Path::new(rubric).file_stem().unwrap().to_string_lossy().into_owned();
    sandbox.ok(&["batch", "create", "e2e", "--rubric", &rubric_name, "--raters", "tester"]);
    let command = format!(
        "env TALLY_CONFIG_DIR={} NO_COLOR=1 {} --db {} label --batch e2e --rater tester",
        sandbox.path("config").display(),
        env!("CARGO_BIN_EXE_tally"),
        sandbox.path("tally.db").display()
    );
    let tmux = Tmux { socket: format!("tally-{name}-{}", std::process::id()) };
    let (width, height) = (width.to_string(), height.to_string());
    let started = tmux.run(&["new-session", "-d", "-s", "e2e", "-x", &width, "-y", &height, &command]);
    assert!(started.status.success(), "{}", String::from_utf8_lossy(&started.stderr));
    tmux
}

fn quit_and_wait(tmux: &Tmux) {
    tmux.keys(&["q"]);
    for _ in 0..300 {
        if !tmux.run(&["has-session", "-t", "e2e"]).status.success() {
            break;
        }
        sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_summeval_item_is_four_keys_and_enter_in_tmux() {
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!("skipped: tmux is not installed");
        return;
    }
    let sandbox = Sandbox::with_store();
    let tmux = label_in_tmux(&sandbox, &repo("tests/data/summeval.toml"), 80, 24, "summeval");
    tmux.wait_for("item 1 of 3");
    tmux.keys(&["4", "5", "3", "4"]);
    let screen = tmux.wait_for("✓4");
    println!("{screen}");
    tmux.keys(&["Enter"]);
    tmux.wait_for("1/3 done");
    tmux.keys(&["1", "2", "3", "4", "Enter"]);
    tmux.wait_for("2/3 done");
    quit_and_wait(&tmux);
    let labels = tally::store::Store::open(&sandbox.path("tally.db"))
        .unwrap()
        .current_labels(tally::store::LabelScope { rubric: "summeval", batch_id: None })
        .unwrap();
    let mut values: Vec<(String, String)> =
        labels.iter().map(|l| (l.criterion.clone(), l.value.as_str().unwrap_or("").to_string())).collect();
    values.sort();
    let expected = [
        ("coherence", "1"),
        ("coherence", "4"),
        ("consistency", "2"),
        ("consistency", "5"),
        ("fluency", "3"),
        ("fluency", "3"),
        ("relevance", "4"),
        ("relevance", "4"),
    ];
    assert_eq!(values, expected.map(|(c, v)| (c.to_string(), v.to_string())));
}

#[test]
fn keys_in_a_too_small_terminal_decide_nothing_in_tmux() {
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!("skipped: tmux is not installed");
        return;
    }
    let sandbox = Sandbox::with_store();
    let tmux = label_in_tmux(&sandbox, &repo("guidelines/rag-answer-quality.toml"), 50, 12, "small");
    tmux.wait_for("at least 60x16");
    tmux.keys(&["y", "g", "5", "Enter"]);
    tmux.wait_for("4 keys ignored");
    // Grown to 80x24, the item is there, undecided.
    tmux.run(&["resize-window", "-t", "e2e", "-x", "80", "-y", "24"]);
    let screen = tmux.wait_for("item 1 of 3");
    assert!(!screen.contains('✓') && screen.contains("0/3 done"), "{screen}");
    quit_and_wait(&tmux);
    let labels = tally::store::Store::open(&sandbox.path("tally.db"))
        .unwrap()
        .current_labels(tally::store::LabelScope { rubric: "rag-answer-quality", batch_id: None })
        .unwrap();
    assert!(labels.is_empty(), "{labels:?}");
}

#[test]
fn a_note_being_typed_is_saved_on_sigterm() {
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!("skipped: tmux is not installed");
        return;
    }
    let sandbox = Sandbox::with_store();
    let tmux = label_in_tmux(&sandbox, &repo("guidelines/rag-answer-quality.toml"), 80, 24, "sigterm");
    tmux.wait_for("item 1 of 3");
    tmux.keys(&["y", "g", "4", "Tab"]);
    tmux.wait_for("typing");
    tmux.keys(&["-l", "see passage 2"]);
    tmux.wait_for("see passage 2");
    let pid = String::from_utf8_lossy(&tmux.run(&["display-message", "-p", "-t", "e2e", "#{pane_pid}"]).stdout)
        .trim()
        .to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let alive = || std::path::Path::new(&format!("/proc/{pid}")).exists();
    for _ in 0..100 {
        if !alive() {
            break;
        }
        sleep(Duration::from_millis(100));
    }
    assert!(!alive(), "tally {pid} still runs after SIGTERM");
    let labels = tally::store::Store::open(&sandbox.path("tally.db"))
        .unwrap()
        .current_labels(tally::store::LabelScope { rubric: "rag-answer-quality", batch_id: None })
        .unwrap();
    let note = labels.iter().find(|label| label.criterion == "note").map(|label| label.value.clone());
    assert_eq!(note, Some(serde_json::json!("see passage 2")), "{labels:?}");
}

#[test]
fn read_a_trace_step_by_step_and_label_it_in_tmux() {
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!("skipped: tmux is not installed");
        return;
    }
    let sandbox = Sandbox::with_store();
    sandbox.ok(&["import", &repo("sample_data/agent_traces.jsonl")]);
    sandbox.ok(&["rubric", "add", &repo("guidelines/agent-trace-quality.toml")]);
    sandbox.ok(&["batch", "create", "e2e", "--rubric", "agent-trace-quality", "--raters", "tester"]);
    let db = sandbox.path("tally.db");
    let command = format!(
        "env XDG_CONFIG_HOME={} NO_COLOR=1 {} --db {} label --batch e2e --rater tester",
        sandbox.path("config").display(),
        env!("CARGO_BIN_EXE_tally"),
        db.display()
    );
    let tmux = Tmux { socket: format!("tally-trace-{}", std::process::id()) };
    let started = tmux.run(&["new-session", "-d", "-s", "e2e", "-x", "80", "-y", "24", &command]);
    assert!(started.status.success(), "{}", String::from_utf8_lossy(&started.stderr));
    tmux.wait_for("item 1 of 64");
    // The longest trace, by id; then its steps by keys.
    tmux.keys(&["C-g"]);
    tmux.keys(&["-l", "trace-011"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("trace-011 · step 1 of 41");
    tmux.keys(&["]", "]", "]"]);
    let screen = tmux.wait_for("step 4 of 41");
    assert!(screen.contains("▶ [4] TOOL RESULT get_customer"), "{screen}");
    // Unfold the focused result: its JSON, pretty-printed.
    tmux.keys(&["Space"]);
    tmux.wait_for("\"customer_id\": ");
    tmux.keys(&[":", "3", "3", "Enter"]);
    let screen = tmux.wait_for("step 33 of 41");
    assert!(screen.contains("▶ [33] "), "{screen}");
    assert!(!screen.contains('\u{1b}'), "{screen}");
    // The rubric's keys still label the trace; digits after `:` went to the prompt.
    tmux.keys(&["n", "c", "2", "Enter"]);
    tmux.wait_for("saved trace-011");
    tmux.keys(&["q"]);
    for _ in 0..300 {
        if !tmux.run(&["has-session", "-t", "e2e"]).status.success() {
            break;
        }
        sleep(Duration::from_millis(100));
    }
    let shown: serde_json::Value =
        serde_json::from_str(&sandbox.ok(&["show", "trace-011", "--format", "json"])).unwrap();
    let labels: Vec<(String, String)> = shown["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|label| (label["criterion"].as_str().unwrap().to_string(), label["value"].to_string()))
        .collect();
    assert_eq!(
        labels,
        [
            ("failures".to_string(), "[\"contradicts_tool\"]".to_string()),
            ("helpfulness".to_string(), "\"2\"".to_string()),
            ("task_success".to_string(), "\"fail\"".to_string())
        ],
        "{shown}"
    );
}

#[test]
fn judge_two_steps_of_a_trace_in_tmux() {
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!("skipped: tmux is not installed");
        return;
    }
    let sandbox = Sandbox::with_store();
    // 1 user, 2 tool_call lookup_order, 3 its result, 4 tool_call track_shipment, 5 its
    // result, 6 the answer.
    sandbox.write(
        "traces.jsonl",
        r#"{"id": "t1", "messages": [{"role": "user", "content": "Where is order 42?"}, {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "lookup_order", "arguments": "{\"id\": 42}"}}]}, {"role": "tool", "tool_call_id": "c1", "content": "{\"status\": \"shipped\", \"tracking\": \"Z9\"}"}, {"role": "assistant", "content": null, "tool_calls": [{"id": "c2", "type": "function", "function": {"name": "track_shipment", "arguments": "{\"tracking\": \"Z1\"}"}}]}, {"role": "tool", "tool_call_id": "c2", "content": "{\"error\": \"unknown tracking number\"}"}, {"role": "assistant", "content": "Your order has not shipped yet."}]}
"#,
    );
    sandbox.write(
        "trace.toml",
        r#"name = "trace"
version = 1

[[criteria]]
id = "task_success"
kind = "binary"
required = true

[[criteria]]
id = "tool_ok"
kind = "binary"
scope = "step"
steps = ["tool_call"]
options = [{ value = "good", key = "g" }, { value = "bad", key = "b" }]

[[criteria]]
id = "first_error"
kind = "step"
"#,
    );
    sandbox.ok(&["import", "traces.jsonl"]);
    sandbox.ok(&["rubric", "add", "trace.toml"]);
    sandbox.ok(&["batch", "create", "e2e", "--rubric", "trace", "--raters", "tester"]);
    let db = sandbox.path("tally.db");
    let command = format!(
        "env TALLY_CONFIG_DIR={} NO_COLOR=1 {} --db {} label --batch e2e --rater tester",
        sandbox.path("config").display(),
        env!("CARGO_BIN_EXE_tally"),
        db.display()
    );
    let tmux = Tmux { socket: format!("tally-steps-{}", std::process::id()) };
    let started = tmux.run(&["new-session", "-d", "-s", "e2e", "-x", "80", "-y", "24", &command]);
    assert!(started.status.success(), "{}", String::from_utf8_lossy(&started.stderr));
    tmux.wait_for("t1 · step 1 of 6");
    // The item fails; step 2's call is good; step 4's is bad, and where it went wrong.
    tmux.keys(&["n", "]"]);
    tmux.wait_for("Step 2 · tool_call lookup_order");
    tmux.keys(&["g", "]", "]"]);
    tmux.wait_for("Step 4 · tool_call track_shipment");
    tmux.keys(&["b", "!"]);
    let screen = tmux.wait_for("first_error step 4");
    assert!(screen.contains("✓ tool_ok=bad ← first_error"), "{screen}");
    tmux.keys(&["Enter"]);
    tmux.wait_for("saved t1");
    quit_and_wait(&tmux);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let mut statement =
        conn.prepare("SELECT criterion, value FROM label_events WHERE rater = 'tester' ORDER BY criterion").unwrap();
    let rows: Vec<(String, String)> =
        statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?))).unwrap().map(Result::unwrap).collect();
    let expected: Vec<(String, String)> =
        [("first_error", "\"4\""), ("task_success", "\"fail\""), ("tool_ok@2", "\"good\""), ("tool_ok@4", "\"bad\"")]
            .iter()
            .map(|(c, v)| (c.to_string(), v.to_string()))
            .collect();
    assert_eq!(rows, expected);
}
