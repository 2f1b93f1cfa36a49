//! The store on real SQLite files.

use std::collections::BTreeMap;

use tally::io::Format;
use tally::io::items::{ImportOptions, import};
use tally::model::Rubric;
use tally::store::{LabelScope, NewLabel, Store};

const RUBRIC: &str = include_str!("../guidelines/rag-answer-quality.toml");
const ITEMS: &str = "{\"id\": \"a\", \"input\": \"q1\", \"output\": \"o1\", \"context\": [\"p\"], \"metadata\": {\"model\": \"m\"}, \"judge\": {\"correct\": \"pass\"}}\n\
                     {\"id\": \"b\", \"input\": \"q2\", \"output\": \"o2\", \"reference\": \"r\"}\n";

fn seeded(path: &std::path::Path) -> (Store, i64) {
    let mut store = Store::create(path).unwrap();
    import(&mut store, ITEMS.as_bytes(), Format::Jsonl, "items.jsonl", "ds", &ImportOptions::default()).unwrap();
    let rubric = Rubric::from_toml(RUBRIC, "r.toml").unwrap();
    let (rubric_id, added) = store.write(|tx| tx.add_rubric(&rubric, RUBRIC, "guide")).unwrap();
    assert!(added);
    (store, rubric_id)
}

fn label<'a>(
    item_id: i64,
    rater: &'a str,
    criterion: &'a str,
    value: Option<&'a serde_json::Value>,
    rubric_id: i64,
) -> NewLabel<'a> {
    NewLabel {
        item_id,
        rater,
        criterion,
        value,
        comment: None,
        rubric_id,
        batch_id: None,
        duration_ms: None,
        source: "test",
    }
}

/// Every row of every table, to compare a store before and after.
fn dump(path: &std::path::Path) -> BTreeMap<String, Vec<String>> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    tables
        .into_iter()
        .map(|table| {
            let mut statement = conn.prepare(&format!("SELECT * FROM {table}")).unwrap();
            let columns = statement.column_count();
            let rows = statement
                .query_map([], |row| {
                    Ok((0..columns).map(|i| format!("{:?}", row.get_ref(i).unwrap())).collect::<Vec<_>>().join("|"))
                })
                .unwrap()
                .collect::<Result<Vec<_>, _>>()
                .unwrap();
            (table, rows)
        })
        .collect()
}

#[test]
fn round_trip_through_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let (mut store, rubric_id) = seeded(&path);
    let (a, _) = store.item_by_external_id("a").unwrap().unwrap();
    let pass = serde_json::json!("pass");
    let written = store.write(|tx| tx.record_label(&label(a, "ana", "correct", Some(&pass), rubric_id))).unwrap();
    assert!(written);
    drop(store);

    let store = Store::open(&path).unwrap();
    let (_, item) = store.item_by_external_id("a").unwrap().unwrap();
    assert_eq!((item.input.as_str(), item.context.as_slice()), ("q1", ["p".to_string()].as_slice()));
    assert_eq!(item.metadata["model"], "m");
    assert_eq!(item.judge["correct"], "pass");
    let (_, b) = store.item_by_external_id("b").unwrap().unwrap();
    assert_eq!(b.reference.as_deref(), Some("r"));
    let labels = store.current_labels(LabelScope { rubric: "rag-answer-quality", batch_id: None }).unwrap();
    assert_eq!(labels.len(), 1);
    assert_eq!((labels[0].item.as_str(), labels[0].rater.as_str(), &labels[0].value), ("a", "ana", &pass));
    let stored = store.rubric_latest("rag-answer-quality").unwrap().unwrap();
    assert_eq!(stored.rubric, Rubric::from_toml(RUBRIC, "x").unwrap());
    assert_eq!(stored.guidelines, "guide");
}

#[test]
fn edits_and_retractions_append_events() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, rubric_id) = seeded(&dir.path().join("t.db"));
    let (a, _) = store.item_by_external_id("a").unwrap().unwrap();
    let (pass, fail) = (serde_json::json!("pass"), serde_json::json!("fail"));
    let written: Vec<bool> = store
        .write(|tx| {
            Ok::<_, tally::store::StoreError>(vec![
                tx.record_label(&label(a, "ana", "correct", Some(&pass), rubric_id))?,
                tx.record_label(&label(a, "ana", "correct", Some(&pass), rubric_id))?,
                tx.record_label(&label(a, "ana", "correct", Some(&fail), rubric_id))?,
                tx.record_label(&label(a, "ana", "correct", None, rubric_id))?,
                tx.record_label(&label(a, "ana", "correct", None, rubric_id))?,
            ])
        })
        .unwrap();
    assert_eq!(written, [true, false, true, true, false]);
    let counts = store.counts().unwrap();
    assert_eq!((counts.label_events, counts.labels), (3, 0));
}

#[test]
fn a_failed_import_leaves_the_store_exactly_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let (mut store, _) = seeded(&path);
    let before = dump(&path);
    let bad = "{\"id\": \"c\", \"output\": \"new\"}\n{\"id\": \"d\", \"output\": \"new\"}\n{\"id\": \"e\"}\n";
    let err =
        import(&mut store, bad.as_bytes(), Format::Jsonl, "bad.jsonl", "ds", &ImportOptions::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "bad.jsonl:3: field `output` is missing (also looked for response, completion, answer, chosen)"
    );
    assert_eq!(dump(&path), before);
}

#[test]
fn eight_raters_writing_at_once_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let (store, rubric_id) = seeded(&path);
    let (a, _) = store.item_by_external_id("a").unwrap().unwrap();
    drop(store);
    let threads: Vec<_> = (0..8)
        .map(|rater| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut store = Store::open(&path).unwrap();
                let name = format!("rater{rater}");
                for round in 0..25 {
                    let value = serde_json::json!(if round % 2 == 0 { "pass" } else { "fail" });
                    store.write(|tx| tx.record_label(&label(a, &name, "correct", Some(&value), rubric_id))).unwrap();
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    let store = Store::open(&path).unwrap();
    let counts = store.counts().unwrap();
    assert_eq!((counts.label_events, counts.labels, counts.raters), (200, 8, 8));
}

#[test]
fn adjudications_keep_who_when_why_and_the_newest_stands() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, rubric_id) = seeded(&dir.path().join("t.db"));
    let item = store.item_by_external_id("a").unwrap().unwrap().0;
    let fail = serde_json::json!("fail");
    let pass = serde_json::json!("pass");
    let decide = |store: &mut Store, value: Option<&serde_json::Value>, why: &str| {
        store
            .write(|tx| {
                tx.record_adjudication(&tally::store::NewAdjudication {
                    item_id: item,
                    criterion: "correct",
                    value,
                    rationale: why,
                    adjudicator: "lead",
                    rubric_id,
                })
            })
            .unwrap()
    };
    assert!(!decide(&mut store, None, "nothing to withdraw"));
    assert!(decide(&mut store, Some(&fail), "made-up fee"));
    assert!(!decide(&mut store, Some(&fail), "made-up fee"), "the same decision is not recorded twice");
    assert!(decide(&mut store, Some(&pass), "the fee is in passage 2"));
    let standing = store.adjudications_of_item(item, "rag-answer-quality").unwrap();
    assert_eq!(standing.len(), 1);
    assert_eq!(
        (&standing[0].value, standing[0].rationale.as_deref(), standing[0].adjudicator.as_str()),
        (&pass, Some("the fee is in passage 2"), "lead")
    );
    assert!(standing[0].at > 0);
    let scope = LabelScope { rubric: "rag-answer-quality", batch_id: None };
    assert_eq!(store.adjudications(scope).unwrap(), standing);
    assert!(decide(&mut store, None, "withdrawn"));
    assert!(store.adjudications(scope).unwrap().is_empty());
    // Every change is kept: three events, the audit trail.
    let conn = rusqlite::Connection::open(dir.path().join("t.db")).unwrap();
    let events: i64 = conn.query_row("SELECT count(*) FROM adjudications", [], |row| row.get(0)).unwrap();
    assert_eq!(events, 3);
}
