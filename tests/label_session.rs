//! The label screen against a real store: keys in, rows out.

use tally::io::Format;
use tally::io::items::{ImportOptions, import};
use tally::model::Rubric;
use tally::store::{LabelScope, NewBatch, Store};
use tally::tui::label::{Action, Session};
use tally::tui::theme::Theme;

const RUBRIC: &str = include_str!("../guidelines/rag-answer-quality.toml");

fn store_with_batch(path: &std::path::Path) -> Store {
    let mut store = Store::create(path).unwrap();
    let items: String = (1..=3)
        .map(|i| format!("{{\"id\": \"i{i}\", \"input\": \"question {i}\", \"output\": \"answer {i}\"}}\n"))
        .collect();
    import(&mut store, items.as_bytes(), Format::Jsonl, "items.jsonl", "ds", &ImportOptions::default()).unwrap();
    let rubric = Rubric::from_toml(RUBRIC, "r.toml").unwrap();
    let (rubric_id, _) = store.write(|tx| tx.add_rubric(&rubric, RUBRIC, "")).unwrap();
    let ids = store.item_ids(None).unwrap();
    let queues = vec![("ana", ids.iter().map(|&id| (id, false)).collect())];
    store
        .write(|tx| {
            tx.create_batch(&NewBatch {
                name: "b",
                rubric_id,
                dataset: None,
                overlap: 1,
                seed: 1,
                items: &ids,
                queues: &queues,
            })
        })
        .unwrap();
    store
}

#[test]
fn keys_label_two_items_and_every_decision_is_in_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let mut store = store_with_batch(&path);
    let batch = store.batch("b").unwrap().unwrap();
    {
        let mut session = Session::new(&mut store, &batch, "ana", Theme::plain()).unwrap();
        for action in [
            Action::Char('y'),
            Action::Char('g'),
            Action::Char('4'),
            Action::Confirm,
            Action::Char('n'),
            Action::Char('u'),
            Action::Char('1'),
            Action::Char('h'),
            Action::Confirm,
            Action::Char('y'), // decided on the third item, not confirmed
        ] {
            session.handle(action).unwrap();
        }
        session.handle(Action::Quit).unwrap();
        assert!(session.quit_requested());
    }
    // Read back through a fresh connection, as another process would.
    let store = Store::open(&path).unwrap();
    let labels = store.current_labels(LabelScope { rubric: "rag-answer-quality", batch_id: Some(batch.id) }).unwrap();
    // The batch deals items in a seeded order: the session labeled the first two of
    // the rater's queue and decided one value on the third.
    let queue = store.queue(batch.id, "ana").unwrap();
    let (first, second, third) = (&queue[0].external_id, &queue[1].external_id, &queue[2].external_id);
    let mut rows: Vec<(&str, &str, String)> =
        labels.iter().map(|l| (l.item.as_str(), l.criterion.as_str(), l.value.to_string())).collect();
    rows.sort();
    let mut expected = vec![
        (first.as_str(), "correct", "\"pass\""),
        (first.as_str(), "grounded", "\"grounded\""),
        (first.as_str(), "helpfulness", "\"4\""),
        (second.as_str(), "correct", "\"fail\""),
        (second.as_str(), "defects", "[\"hallucination\"]"),
        (second.as_str(), "grounded", "\"ungrounded\""),
        (second.as_str(), "helpfulness", "\"1\""),
        (third.as_str(), "correct", "\"pass\""),
    ];
    expected.sort();
    let expected: Vec<(&str, &str, String)> = expected.into_iter().map(|(i, c, v)| (i, c, v.to_string())).collect();
    assert_eq!(rows, expected);
    assert_eq!(queue.iter().map(|entry| entry.done).collect::<Vec<_>>(), [true, true, false]);

    // A new session resumes at the third item, with its decision restored.
    let mut store = store;
    let session = Session::new(&mut store, &batch, "ana", Theme::plain()).unwrap();
    assert_eq!(session.screen().current_item_id(), Some(queue[2].item_id));
}

#[test]
fn skip_flag_and_undo_are_events_in_the_store_and_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let mut store = store_with_batch(&path);
    let batch = store.batch("b").unwrap().unwrap();
    let type_text = |text: &str| text.chars().map(Action::Char).collect::<Vec<_>>();
    {
        let mut session = Session::new(&mut store, &batch, "ana", Theme::plain()).unwrap();
        let mut actions = vec![Action::Skip];
        actions.extend(type_text("off-topic"));
        actions.push(Action::Confirm); // first item skipped
        actions.push(Action::Flag);
        actions.extend(type_text("check"));
        actions.push(Action::Confirm); // second item flagged
        actions.extend([Action::Char('y'), Action::Char('g'), Action::Char('4'), Action::Confirm]); // and confirmed
        actions.extend([Action::Char('n'), Action::Char('u'), Action::Char('1'), Action::Confirm]); // third confirmed
        actions.push(Action::Undo); // ... and reopened
        for action in actions {
            session.handle(action).unwrap();
        }
    }
    let store = Store::open(&path).unwrap();
    let queue = store.queue(batch.id, "ana").unwrap();
    let states: Vec<(bool, bool, bool)> = queue.iter().map(|e| (e.done, e.skipped, e.flagged)).collect();
    assert_eq!(states, [(false, true, false), (true, false, true), (false, false, false)]);
    // Nothing was deleted: the undone confirm is still there, followed by its reopening.
    let conn = rusqlite::Connection::open(&path).unwrap();
    let events: Vec<(String, Option<String>)> = conn
        .prepare("SELECT action, note FROM item_events ORDER BY id")
        .unwrap()
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let events: Vec<(&str, Option<&str>)> = events.iter().map(|(a, n)| (a.as_str(), n.as_deref())).collect();
    assert_eq!(
        events,
        [
            ("skip", Some("off-topic")),
            ("flag", Some("check")),
            ("confirm", None),
            ("confirm", None),
            ("unconfirm", None)
        ]
    );
    // A new session starts at the reopened third item: skipped ones wait.
    let mut store = store;
    let session = Session::new(&mut store, &batch, "ana", Theme::plain()).unwrap();
    assert_eq!(session.screen().current_item_id(), Some(queue[2].item_id));
    drop(session);
    let summary = store.batch_summaries().unwrap();
    assert_eq!(summary[0].raters, vec![("ana".to_string(), 3, 1)]);
}

#[test]
fn the_finder_searches_the_queue_in_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let mut store = store_with_batch(&path);
    let batch = store.batch("b").unwrap().unwrap();
    let target = store.item_by_external_id("i3").unwrap().unwrap().0;
    let mut session = Session::new(&mut store, &batch, "ana", Theme::plain()).unwrap();
    session.handle(Action::Find).unwrap();
    for ch in "question 3".chars() {
        session.handle(Action::Char(ch)).unwrap();
    }
    session.handle(Action::Confirm).unwrap();
    assert_eq!(session.screen().current_item_id(), Some(target));
}

/// What the session's screen shows at 80x24, as text.
fn shown(session: &Session) -> String {
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).unwrap();
    terminal.draw(|frame| session.screen().render(frame, frame.area())).unwrap();
    tally::tui::buffer_text(terminal.backend().buffer())
}

/// Rows in `table`, through a connection that may hold the write lock (it sees what is
/// committed).
fn rows(conn: &rusqlite::Connection, table: &str) -> i64 {
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |row| row.get(0)).unwrap()
}

#[test]
fn while_another_process_holds_the_write_lock_values_show_as_unsaved_and_nothing_is_confirmed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let mut store = store_with_batch(&path);
    let batch = store.batch("b").unwrap().unwrap();
    let mut session = Session::new(&mut store, &batch, "ana", Theme::plain()).unwrap();
    // Another process (a long `labels import`) holds the write lock.
    let other = rusqlite::Connection::open(&path).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    for action in [Action::Char('y'), Action::Char('g'), Action::Char('4')] {
        session.handle(action).unwrap();
    }
    let screen = shown(&session);
    assert!(screen.contains("✓pass…") && screen.contains("✓4…"), "the values are not marked unsaved:\n{screen}");
    assert!(screen.contains("3 unsaved"), "no unsaved count:\n{screen}");
    // The writer finds the store busy and says so (the bound only keeps a broken run
    // from hanging).
    for _ in 0..600 {
        if shown(&session).contains("3 unsaved, store busy, retrying") {
            break;
        }
        session.settle(std::time::Duration::from_millis(100)).unwrap();
    }
    assert!(shown(&session).contains("3 unsaved, store busy, retrying"), "{}", shown(&session));
    session.handle(Action::Confirm).unwrap();
    let screen = shown(&session);
    assert!(screen.contains("0/3 done") && screen.contains("confirming"), "a confirm said done unsaved:\n{screen}");
    // The keys returned while the lock is held: the writer waits, not the screen.
    assert_eq!((rows(&other, "label_events"), rows(&other, "item_events")), (0, 0));
    assert_eq!(session.unsaved(), 4, "three values and a confirm wait");
    // Another key works meanwhile, on the next item; back on the first, its values
    // still show as unsaved, and so does its confirm.
    session.handle(Action::Char('n')).unwrap();
    assert!(shown(&session).contains("✓fail…"));
    session.handle(Action::Previous).unwrap();
    let screen = shown(&session);
    assert!(screen.contains("✓pass…") && screen.contains("done (unsaved…)"), "{screen}");
    session.handle(Action::Next).unwrap();

    // The other process commits nothing and lets go: everything lands, in order.
    other.execute_batch("ROLLBACK").unwrap();
    assert!(session.settle(std::time::Duration::from_secs(60)).unwrap(), "the writer never caught up");
    let screen = shown(&session);
    assert!(!screen.contains('…') && !screen.contains("unsaved"), "still marked unsaved:\n{screen}");
    assert!(screen.contains("1/3 done"), "{screen}");
    let queue = store_queue(&path, batch.id);
    assert_eq!(queue.iter().map(|entry| entry.done).collect::<Vec<_>>(), [true, false, false]);
    let labels = Store::open(&path)
        .unwrap()
        .current_labels(LabelScope { rubric: "rag-answer-quality", batch_id: Some(batch.id) })
        .unwrap();
    let rows: Vec<(&str, &str)> = labels.iter().map(|l| (l.item.as_str(), l.criterion.as_str())).collect();
    let (first, second) = (queue[0].external_id.as_str(), queue[1].external_id.as_str());
    assert_eq!(
        rows,
        [(first, "correct"), (first, "grounded"), (first, "helpfulness"), (second, "correct")],
        "{labels:?}"
    );
}

fn store_queue(path: &std::path::Path, batch_id: i64) -> Vec<tally::store::QueueEntry> {
    Store::open(path).unwrap().queue(batch_id, "ana").unwrap()
}

#[test]
fn quitting_while_the_store_stays_locked_writes_a_recovery_file_that_imports() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let mut store = store_with_batch(&path);
    let batch = store.batch("b").unwrap().unwrap();
    let queue = store.queue(batch.id, "ana").unwrap();
    let other = rusqlite::Connection::open(&path).unwrap();
    let outcome = {
        let mut session = Session::new(&mut store, &batch, "ana", Theme::plain()).unwrap();
        other.execute_batch("BEGIN IMMEDIATE").unwrap();
        for action in [Action::Char('y'), Action::Char('g'), Action::Char('4'), Action::Confirm, Action::Char('n')] {
            session.handle(action).unwrap();
        }
        session.handle(Action::Flag).unwrap();
        session.handle(Action::Confirm).unwrap(); // a flag without a note
        session.handle(Action::Quit).unwrap();
        assert!(session.quit_requested());
        session.finish(std::time::Duration::from_millis(300)).unwrap()
    };
    assert!(!outcome.saved());
    assert_eq!(outcome.exit_code(), std::process::ExitCode::FAILURE);
    assert_eq!((rows(&other, "label_events"), rows(&other, "item_events")), (0, 0));
    let file = outcome.recovery_file().expect("a recovery file").to_path_buf();
    assert_eq!(file.parent(), Some(dir.path()), "beside the store");
    let message = outcome.message();
    assert!(!message.contains("every label is saved"), "{message}");
    assert!(message.contains(&file.display().to_string()), "{message}");
    let (first, second) = (&queue[0].external_id, &queue[1].external_id);
    assert!(message.contains(&format!("{first}: confirm")), "{message}");
    assert!(message.contains(&format!("{second}: flag")), "{message}");
    let csv = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        csv,
        format!(
            "item,rater,criterion,value,comment\n{first},ana,correct,pass,\n{first},ana,grounded,grounded,\n\
             {first},ana,helpfulness,4,\n{second},ana,correct,fail,\n"
        )
    );

    // Once the lock is gone, the file goes in with the documented command.
    other.execute_batch("ROLLBACK").unwrap();
    drop(other);
    drop(store);
    let imported = std::process::Command::new(env!("CARGO_BIN_EXE_tally"))
        .args(["--db", &path.display().to_string(), "labels", "import", &file.display().to_string()])
        .args(["--rubric", "rag-answer-quality"])
        .output()
        .unwrap();
    assert!(imported.status.success(), "{}", String::from_utf8_lossy(&imported.stderr));
    let labels = Store::open(&path)
        .unwrap()
        .current_labels(LabelScope { rubric: "rag-answer-quality", batch_id: Some(batch.id) })
        .unwrap();
    let rows: Vec<(&str, &str, String)> =
        labels.iter().map(|l| (l.item.as_str(), l.criterion.as_str(), l.value.to_string())).collect();
    assert_eq!(
        rows,
        [
            (first.as_str(), "correct", "\"pass\"".to_string()),
            (first.as_str(), "grounded", "\"grounded\"".to_string()),
            (first.as_str(), "helpfulness", "\"4\"".to_string()),
            (second.as_str(), "correct", "\"fail\"".to_string()),
        ]
    );
}

#[test]
fn a_write_the_store_refuses_is_not_confirmed_and_the_screen_shows_what_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let mut store = store_with_batch(&path);
    let batch = store.batch("b").unwrap().unwrap();
    let first = store.queue(batch.id, "ana").unwrap()[0].external_id.clone();
    // A refusal that is not a lock (as a full disk or a constraint would be).
    let other = rusqlite::Connection::open(&path).unwrap();
    other
        .execute_batch(
            "CREATE TRIGGER refuse BEFORE INSERT ON label_events WHEN NEW.criterion = 'helpfulness'
             BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;",
        )
        .unwrap();
    let mut session = Session::new(&mut store, &batch, "ana", Theme::plain()).unwrap();
    for action in [Action::Char('y'), Action::Char('g'), Action::Char('4'), Action::Confirm] {
        session.handle(action).unwrap();
    }
    assert!(session.settle(std::time::Duration::from_secs(60)).unwrap());
    let screen = shown(&session);
    assert!(screen.contains(&format!("NOT SAVED on {first}")) && screen.contains("refused by the test"), "{screen}");
    assert!(screen.contains("0/3 done"), "{screen}");
    // The values before the refused one are stored; the refused one and the confirm are not.
    let stored: Vec<String> = other
        .prepare("SELECT criterion FROM label_events ORDER BY id")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(stored, ["correct", "grounded"]);
    assert_eq!(rows(&other, "item_events"), 0, "confirmed with a value missing");
    // Back on the item, the screen shows what the store holds, nothing unsaved.
    session.handle(Action::Previous).unwrap();
    let screen = shown(&session);
    assert!(screen.contains("✓pass") && !screen.contains("✓4") && !screen.contains('…'), "{screen}");
    assert!(!screen.contains("· done"), "{screen}");
}

#[test]
fn an_undo_while_the_store_is_locked_lands_after_the_value_it_undoes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let mut store = store_with_batch(&path);
    let batch = store.batch("b").unwrap().unwrap();
    let other = rusqlite::Connection::open(&path).unwrap();
    let mut session = Session::new(&mut store, &batch, "ana", Theme::plain()).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    session.handle(Action::Char('y')).unwrap();
    session.handle(Action::Undo).unwrap();
    assert_eq!(session.unsaved(), 2);
    other.execute_batch("ROLLBACK").unwrap();
    assert!(session.settle(std::time::Duration::from_secs(60)).unwrap());
    let events: Vec<Option<String>> = other
        .prepare("SELECT value FROM label_events ORDER BY id")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(events, [Some("\"pass\"".to_string()), None], "set, then retracted");
}

#[test]
fn below_the_minimum_size_keys_change_nothing_in_the_store() {
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let press = |code| KeyEvent::new(code, KeyModifiers::NONE);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let mut store = store_with_batch(&path);
    let batch = store.batch("b").unwrap().unwrap();
    {
        let mut session = Session::new(&mut store, &batch, "ana", Theme::plain()).unwrap();
        // A 50x12 terminal shows a notice, not the item: `y g 5 Enter` must not confirm it.
        session.resize(50, 12);
        for code in [KeyCode::Char('y'), KeyCode::Char('g'), KeyCode::Char('5'), KeyCode::Enter] {
            session.key(press(code)).unwrap();
        }
        assert!(session.settle(std::time::Duration::from_secs(5)).unwrap());
        let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(50, 12)).unwrap();
        terminal.draw(|frame| session.screen().render(frame, frame.area())).unwrap();
        let notice = tally::tui::buffer_text(terminal.backend().buffer());
        assert!(notice.contains("4 keys ignored"), "{notice}");
        // Quit still works.
        session.key(press(KeyCode::Char('q'))).unwrap();
        assert!(session.quit_requested());
    }
    let store = Store::open(&path).unwrap();
    let labels = store.current_labels(LabelScope { rubric: "rag-answer-quality", batch_id: Some(batch.id) }).unwrap();
    assert!(labels.is_empty(), "{labels:?}");
    assert!(store.queue(batch.id, "ana").unwrap().iter().all(|entry| !entry.done));
}

#[test]
fn once_the_terminal_is_large_enough_keys_act_again() {
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let mut store = store_with_batch(&path);
    let batch = store.batch("b").unwrap().unwrap();
    let mut session = Session::new(&mut store, &batch, "ana", Theme::plain()).unwrap();
    session.resize(59, 24);
    session.key(KeyEvent::new(KeyCode::Char('y'), KeyModifiers::NONE)).unwrap();
    assert!(!shown(&session).contains("✓pass"));
    session.resize(60, 16);
    session.key(KeyEvent::new(KeyCode::Char('y'), KeyModifiers::NONE)).unwrap();
    assert!(shown(&session).contains("✓pass"), "{}", shown(&session));
}

#[test]
fn one_undo_reopens_a_confirmed_item_and_takes_back_what_the_confirm_set() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let mut store = store_with_batch(&path);
    let batch = store.batch("b").unwrap().unwrap();
    {
        let mut session = Session::new(&mut store, &batch, "ana", Theme::plain()).unwrap();
        for action in [Action::Char('n'), Action::Char('u'), Action::Char('1'), Action::Confirm, Action::Undo] {
            session.handle(action).unwrap();
        }
        assert!(session.settle(std::time::Duration::from_secs(10)).unwrap());
    }
    let store = Store::open(&path).unwrap();
    let queue = store.queue(batch.id, "ana").unwrap();
    assert!(!queue[0].done, "one undo reopened the item");
    let labels = store.current_labels(LabelScope { rubric: "rag-answer-quality", batch_id: Some(batch.id) }).unwrap();
    let mut criteria: Vec<&str> = labels.iter().map(|label| label.criterion.as_str()).collect();
    criteria.sort();
    assert_eq!(criteria, ["correct", "grounded", "helpfulness"], "the defects = none the confirm set is gone");
}

/// A store of one conversation under `rubric`, in batch `b` for ana.
fn trace_store(path: &std::path::Path, rubric: &str) -> Store {
    let trace =
        r#"{"id": "t1", "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}"#;
    trace_store_with(path, rubric, trace)
}

fn trace_store_with(path: &std::path::Path, rubric: &str, traces: &str) -> Store {
    let mut store = Store::create(path).unwrap();
    import(&mut store, traces.as_bytes(), Format::Jsonl, "t.jsonl", "ds", &ImportOptions::default()).unwrap();
    let parsed = Rubric::from_toml(rubric, "r.toml").unwrap();
    let (rubric_id, _) = store.write(|tx| tx.add_rubric(&parsed, rubric, "")).unwrap();
    let ids = store.item_ids(None).unwrap();
    let queues = vec![("ana", ids.iter().map(|&id| (id, false)).collect())];
    store
        .write(|tx| {
            let items = &ids;
            tx.create_batch(&NewBatch {
                name: "b",
                rubric_id,
                dataset: None,
                overlap: 1,
                seed: 1,
                items,
                queues: &queues,
            })
        })
        .unwrap();
    store
}

#[test]
fn step_scope_criteria_are_asked_of_the_focused_step_and_a_rubric_of_step_criteria_only_opens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let rubric = "name = \"t\"\nversion = 1\n[[criteria]]\nid = \"ok\"\nkind = \"binary\"\n\
                  [[criteria]]\nid = \"step_ok\"\nkind = \"binary\"\nscope = \"step\"\n";
    let mut store = trace_store(&path, rubric);
    let batch = store.batch("b").unwrap().unwrap();
    {
        let mut session = Session::new(&mut store, &batch, "ana", Theme::plain()).unwrap();
        // `y` answers `ok` and moves on to the focused step's `step_ok`: `y` again answers
        // it for step 1, stored under its step key.
        for action in [Action::Char('y'), Action::Char('y'), Action::Confirm, Action::Quit] {
            session.handle(action).unwrap();
        }
    }
    let store = Store::open(&path).unwrap();
    let labels = store.current_labels(LabelScope { rubric: "t", batch_id: Some(batch.id) }).unwrap();
    let mut rows: Vec<(&str, String)> = labels.iter().map(|l| (l.criterion.as_str(), l.value.to_string())).collect();
    rows.sort();
    assert_eq!(rows, [("ok", "\"pass\"".to_string()), ("step_ok@1", "\"pass\"".to_string())]);

    // A rubric of step criteria only is answered step by step.
    let only_steps = dir.path().join("s.db");
    let mut store = trace_store(
        &only_steps,
        "name = \"s\"\nversion = 1\n[[criteria]]\nid = \"step_ok\"\nkind = \"binary\"\nscope = \"step\"\n",
    );
    let batch = store.batch("b").unwrap().unwrap();
    {
        let mut session = Session::new(&mut store, &batch, "ana", Theme::plain()).unwrap();
        for action in [Action::StepNext, Action::Char('n'), Action::Confirm, Action::Quit] {
            session.handle(action).unwrap();
        }
    }
    let store = Store::open(&only_steps).unwrap();
    let labels = store.current_labels(LabelScope { rubric: "s", batch_id: Some(batch.id) }).unwrap();
    let rows: Vec<(&str, String)> = labels.iter().map(|l| (l.criterion.as_str(), l.value.to_string())).collect();
    assert_eq!(rows, [("step_ok@2", "\"fail\"".to_string())]);
}

/// A support agent's trace: 1 user, 2 tool_call lookup_order, 3 tool_result, 4 tool_call
/// track_shipment, 5 tool_result, 6 assistant.
const AGENT_TRACE: &str = r#"{"id": "t1", "messages": [{"role": "user", "content": "Where is order 42?"}, {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "lookup_order", "arguments": "{\"id\": 42}"}}]}, {"role": "tool", "tool_call_id": "c1", "content": "{\"status\": \"shipped\", \"tracking\": \"Z9\"}"}, {"role": "assistant", "content": null, "tool_calls": [{"id": "c2", "type": "function", "function": {"name": "track_shipment", "arguments": "{\"tracking\": \"Z1\"}"}}]}, {"role": "tool", "tool_call_id": "c2", "content": "{\"error\": \"unknown tracking number\"}"}, {"role": "assistant", "content": "Your order has not shipped yet."}]}
{"id": "t2", "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
"#;

/// Item and step criteria with keys of their own, `when` across scopes (`faithful` is
/// asked of an assistant step only when the item failed; `why` only when that step's
/// `tool_ok` is `bad`), and a `step` criterion.
const AGENT_RUBRIC: &str = r#"name = "trace"
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
required = true
options = [{ value = "good", key = "g" }, { value = "bad", key = "b" }]

[[criteria]]
id = "why"
kind = "nominal"
scope = "step"
steps = ["tool_call"]
when = { tool_ok = "bad" }
options = [{ value = "wrong_tool", key = "w" }, { value = "bad_arguments", key = "a" }]

[[criteria]]
id = "faithful"
kind = "binary"
scope = "step"
steps = ["assistant"]
when = { task_success = "fail" }
options = [{ value = "true", key = "t" }, { value = "false", key = "u" }]

[[criteria]]
id = "first_error"
kind = "step"
"#;

/// The current labels of `rubric`, as (criterion key, JSON value), sorted.
fn label_rows(path: &std::path::Path, rubric: &str) -> Vec<(String, String)> {
    let store = Store::open(path).unwrap();
    let labels = store.current_labels(LabelScope { rubric, batch_id: None }).unwrap();
    let mut rows: Vec<(String, String)> =
        labels.iter().filter(|l| l.item == "t1").map(|l| (l.criterion.clone(), l.value.to_string())).collect();
    rows.sort();
    rows
}

fn agent_session(store: &mut Store) -> Session<'_> {
    let batch = store.batch("b").unwrap().unwrap();
    Session::new(store, &batch, "ana", Theme::plain()).unwrap()
}

#[test]
fn two_steps_and_the_item_are_labelled_on_the_screen_and_stored_under_step_keys() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let mut store = trace_store_with(&path, AGENT_RUBRIC, AGENT_TRACE);
    {
        let mut session = agent_session(&mut store);
        use Action::*;
        for action in [
            Char('n'), // task_success = fail
            StepNext,  // step 2: tool_call lookup_order
            Char('g'), // tool_ok@2 = good
            StepNext,  // step 3: a tool result, no step criteria
            StepNext,  // step 4: tool_call track_shipment
            Char('b'), // tool_ok@4 = bad: now `why` is asked of step 4
            Char('a'), // why@4 = bad_arguments
            MarkStep,  // first_error = 4
            StepNext,
            StepNext,  // step 6: assistant; faithful asked (the item failed)
            Char('u'), // faithful@6 = false
            Confirm,
            Quit,
        ] {
            session.handle(action).unwrap();
        }
        assert!(session.settle(std::time::Duration::from_secs(10)).unwrap());
    }
    let expected: Vec<(String, String)> = [
        ("faithful@6", "\"false\""),
        ("first_error", "\"4\""),
        ("task_success", "\"fail\""),
        ("tool_ok@2", "\"good\""),
        ("tool_ok@4", "\"bad\""),
        ("why@4", "\"bad_arguments\""),
    ]
    .iter()
    .map(|(c, v)| (c.to_string(), v.to_string()))
    .collect();
    assert_eq!(label_rows(&path, "trace"), expected);

    // Reopened, the item shows each step's values beside the step in the transcript, and
    // the focused step's in the form.
    let mut session = agent_session(&mut store);
    for action in [Action::Previous, Action::JumpStep, Action::Char('4'), Action::Confirm] {
        session.handle(action).unwrap();
    }
    let narrow = shown(&session);
    assert!(narrow.contains("Step 4 · tool_call track_shipment"), "{narrow}");
    assert!(narrow.contains("step 4"), "{narrow}");
    insta::assert_snapshot!("focused_step_with_its_criteria_80x24", narrow);
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(160, 48)).unwrap();
    terminal.draw(|frame| session.screen().render(frame, frame.area())).unwrap();
    let wide = tally::tui::buffer_text(terminal.backend().buffer());
    for mark in ["✓ tool_ok=good", "✓ tool_ok=bad why=bad_arguments ← first_error", "✓ faithful=false"] {
        assert!(wide.contains(mark), "{mark} not in\n{wide}");
    }
    insta::assert_snapshot!("focused_step_with_its_criteria_160x48", wide);
}

#[test]
fn a_step_value_is_undone_and_when_across_scopes_is_honoured() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let mut store = trace_store_with(&path, AGENT_RUBRIC, AGENT_TRACE);
    {
        let mut session = agent_session(&mut store);
        use Action::*;
        for action in [Char('y'), StepNext, Char('g'), StepNext, StepNext, Char('b'), Undo] {
            session.handle(action).unwrap();
        }
        // `faithful` is asked only when the item failed: `u` answers nothing on step 6.
        for action in [StepNext, StepNext, Char('u')] {
            session.handle(action).unwrap();
        }
        // `why` of step 2 is asked only when step 2's `tool_ok` is bad: it is good.
        for action in [Action::JumpStep, Char('2'), Confirm, Char('w')] {
            session.handle(action).unwrap();
        }
        assert!(session.settle(std::time::Duration::from_secs(10)).unwrap());
    }
    let expected: Vec<(String, String)> = [("task_success", "\"pass\""), ("tool_ok@2", "\"good\"")]
        .iter()
        .map(|(c, v)| (c.to_string(), v.to_string()))
        .collect();
    assert_eq!(label_rows(&path, "trace"), expected);

    // Failing the item asks `faithful` of step 6; passing it again clears that value
    // (a step's `when` names the item criterion), though step 6 is not focused.
    {
        let mut session = agent_session(&mut store);
        use Action::*;
        for action in [Char('n'), JumpStep, Char('6'), Confirm, Char('t'), JumpStep, Char('1'), Confirm] {
            session.handle(action).unwrap();
        }
        assert!(session.settle(std::time::Duration::from_secs(10)).unwrap());
        assert!(label_rows(&path, "trace").contains(&("faithful@6".to_string(), "\"true\"".to_string())));
        session.handle(Char('y')).unwrap();
        assert!(session.settle(std::time::Duration::from_secs(10)).unwrap());
    }
    let expected: Vec<(String, String)> = [("task_success", "\"pass\""), ("tool_ok@2", "\"good\"")]
        .iter()
        .map(|(c, v)| (c.to_string(), v.to_string()))
        .collect();
    assert_eq!(label_rows(&path, "trace"), expected);
}

#[test]
fn the_step_criterion_is_typed_as_a_step_number_or_none_and_a_step_the_item_lacks_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let mut store = trace_store_with(&path, AGENT_RUBRIC, AGENT_TRACE);
    {
        let mut session = agent_session(&mut store);
        use Action::*;
        // Tab reaches `first_error`, a typed field: step 9 is not a step of this item.
        for action in [FocusNext, Char('9'), FocusNext] {
            session.handle(action).unwrap();
        }
        let screen = shown(&session);
        assert!(screen.contains("this item has no step 9 (it has 6)"), "{screen}");
        for action in [Clear, Char('n'), Char('o'), Char('n'), Char('e'), FocusNext] {
            session.handle(action).unwrap();
        }
        assert!(session.settle(std::time::Duration::from_secs(10)).unwrap());
        let screen = shown(&session);
        assert!(screen.contains("first_error none"), "{screen}");
    }
    assert_eq!(label_rows(&path, "trace"), [("first_error".to_string(), "\"none\"".to_string())]);
}

#[test]
fn a_recovery_file_carries_step_values_in_a_step_column_that_labels_import_takes_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let mut store = trace_store_with(&path, AGENT_RUBRIC, AGENT_TRACE);
    let other = rusqlite::Connection::open(&path).unwrap();
    let outcome = {
        let mut session = agent_session(&mut store);
        // Another process holds the write lock: nothing of this is stored.
        other.execute_batch("BEGIN IMMEDIATE").unwrap();
        for action in [Action::Char('n'), Action::StepNext, Action::Char('b'), Action::Quit] {
            session.handle(action).unwrap();
        }
        session.finish(std::time::Duration::from_millis(300)).unwrap()
    };
    other.execute_batch("ROLLBACK").unwrap();
    let file = outcome.recovery_file().expect("a recovery file");
    let csv = std::fs::read_to_string(file).unwrap();
    assert_eq!(csv, "item,rater,criterion,value,comment,step\nt1,ana,task_success,fail,,\nt1,ana,tool_ok,bad,,2\n");
    drop(store);
    let imported = std::process::Command::new(env!("CARGO_BIN_EXE_tally"))
        .args([
            "--db",
            &path.display().to_string(),
            "labels",
            "import",
            &file.display().to_string(),
            "--rubric",
            "trace",
        ])
        .output()
        .unwrap();
    assert!(imported.status.success(), "{}", String::from_utf8_lossy(&imported.stderr));
    let expected: Vec<(String, String)> = [("task_success", "\"fail\""), ("tool_ok@2", "\"bad\"")]
        .iter()
        .map(|(c, v)| (c.to_string(), v.to_string()))
        .collect();
    assert_eq!(label_rows(&path, "trace"), expected);
}
