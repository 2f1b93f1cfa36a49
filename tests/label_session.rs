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
