//! `labels import` into a large batch: with the assignments found through an index
//! (migration 0005), exactly the assigned (item, rater) pairs of batches under the
//! file's rubric are confirmed, each once.

use tally::io::Format;
use tally::io::items::{ImportOptions, import};
use tally::model::Rubric;
use tally::store::{NewBatch, Store};

const RUBRIC: &str = include_str!("../guidelines/rag-answer-quality.toml");
const ITEMS: usize = 6_000;
const RATERS: [&str; 3] = ["ana", "ben", "cy"];

fn item(i: usize) -> String {
    format!("it-{i:05}")
}

/// Item `i` goes to raters `i % 3` and `(i + 1) % 3`.
fn assigned(i: usize, rater: usize) -> bool {
    rater == i % 3 || rater == (i + 1) % 3
}

#[test]
fn labels_import_confirms_exactly_the_assigned_items_of_a_large_batch() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let mut store = Store::create(&path).unwrap();
    let items: String = (0..ITEMS).map(|i| format!("{{\"id\": \"{}\", \"output\": \"o{i}\"}}\n", item(i))).collect();
    import(&mut store, items.as_bytes(), Format::Jsonl, "items.jsonl", "ds", &ImportOptions::default()).unwrap();
    let rubric = Rubric::from_toml(RUBRIC, "r.toml").unwrap();
    let (rubric_id, _) = store.write(|tx| tx.add_rubric(&rubric, RUBRIC, "guide")).unwrap();
    let other_source = RUBRIC.replace("name = \"rag-answer-quality\"", "name = \"other\"");
    let other = Rubric::from_toml(&other_source, "other.toml").unwrap();
    let (other_id, _) = store.write(|tx| tx.add_rubric(&other, &other_source, "guide")).unwrap();
    let ids: Vec<i64> = (0..ITEMS).map(|i| store.item_by_external_id(&item(i)).unwrap().unwrap().0).collect();

    let queues: Vec<(&str, Vec<(i64, bool)>)> = RATERS
        .iter()
        .enumerate()
        .map(|(r, name)| (*name, (0..ITEMS).filter(|&i| assigned(i, r)).map(|i| (ids[i], false)).collect()))
        .collect();
    let batch = store
        .write(|tx| {
            tx.create_batch(&NewBatch {
                name: "big",
                rubric_id,
                dataset: None,
                overlap: 2,
                seed: 1,
                items: &ids,
                queues: &queues,
            })
        })
        .unwrap();
    // A batch under another rubric that gives every item to ana: labels under
    // rag-answer-quality are not work on it.
    let elsewhere_queue = vec![("ana", ids.iter().map(|&id| (id, false)).collect::<Vec<_>>())];
    let elsewhere = store
        .write(|tx| {
            tx.create_batch(&NewBatch {
                name: "elsewhere",
                rubric_id: other_id,
                dataset: None,
                overlap: 1,
                seed: 1,
                items: &ids,
                queues: &elsewhere_queue,
            })
        })
        .unwrap();

    // Every 7th item, by ana (assigned to two thirds of them) and by dan (assigned
    // nowhere), two criteria each: one confirm per assigned (item, rater).
    let mut labels = String::from("item,rater,criterion,value\n");
    for i in (0..ITEMS).step_by(7) {
        for rater in ["ana", "dan"] {
            labels.push_str(&format!("{},{rater},correct,pass\n{},{rater},helpfulness,4\n", item(i), item(i)));
        }
    }
    let stored = store.rubric_latest("rag-answer-quality").unwrap().unwrap();
    let summary = tally::io::labels::import(&mut store, labels.as_bytes(), Format::Csv, "l.csv", &stored).unwrap();
    assert_eq!(summary.recorded, (ITEMS.div_ceil(7) * 4) as u64);

    let done = |batch: i64, rater: &str| -> Vec<String> {
        store.queue(batch, rater).unwrap().into_iter().filter(|e| e.done).map(|e| e.external_id).collect()
    };
    let mut expected: Vec<String> = (0..ITEMS).step_by(7).filter(|&i| assigned(i, 0)).map(item).collect();
    expected.sort();
    let mut ana = done(batch, "ana");
    ana.sort();
    assert_eq!(ana, expected);
    assert!(done(batch, "ben").is_empty() && done(batch, "cy").is_empty());
    assert!(done(elsewhere, "ana").is_empty());

    // Again: nothing new is recorded or confirmed.
    let confirms = || -> i64 {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.query_row("SELECT count(*) FROM item_events WHERE action = 'confirm'", [], |row| row.get(0)).unwrap()
    };
    assert_eq!(confirms(), expected.len() as i64);
    let again = tally::io::labels::import(&mut store, labels.as_bytes(), Format::Csv, "l.csv", &stored).unwrap();
    assert_eq!((again.recorded, again.unchanged), (0, summary.recorded));
    assert_eq!(confirms(), expected.len() as i64);
}

/// The check for two values of one label in one file holds whether the first value
/// wrote an event or matched what the store already held.
#[test]
fn two_values_in_one_file_are_refused_when_the_first_matched_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::create(&dir.path().join("t.db")).unwrap();
    let items = "{\"id\": \"a\", \"output\": \"o\"}\n";
    import(&mut store, items.as_bytes(), Format::Jsonl, "items.jsonl", "ds", &ImportOptions::default()).unwrap();
    let rubric = Rubric::from_toml(RUBRIC, "r.toml").unwrap();
    store.write(|tx| tx.add_rubric(&rubric, RUBRIC, "guide")).unwrap();
    let stored = store.rubric_latest("rag-answer-quality").unwrap().unwrap();
    let first = "item,rater,criterion,value\na,ana,correct,pass\n";
    tally::io::labels::import(&mut store, first.as_bytes(), Format::Csv, "first.csv", &stored).unwrap();
    for (file, line) in [
        ("item,rater,criterion,value\na,ana,correct,pass\na,ana,correct,fail\n", 2),
        ("item,rater,criterion,value\na,ana,helpfulness,3\na,ana,helpfulness,3\na,ana,helpfulness,4\n", 2),
    ] {
        let err = tally::io::labels::import(&mut store, file.as_bytes(), Format::Csv, "then.csv", &stored).unwrap_err();
        assert!(err.to_string().contains(&format!("on line {line}; give one value per label")), "{err}");
    }
}

/// A bulk import over a batch where some assignments already have a state: a confirm
/// stands (none added), a skip and a reopened confirm are confirmed again, raters not
/// assigned confirm nothing; the counters `status` reads stay those of a full scan.
#[test]
fn labels_import_confirms_over_earlier_states_and_keeps_the_counts_exact() {
    const N: usize = 3_000;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let mut store = Store::create(&path).unwrap();
    let items: String = (0..N).map(|i| format!("{{\"id\": \"{}\", \"output\": \"o{i}\"}}\n", item(i))).collect();
    import(&mut store, items.as_bytes(), Format::Jsonl, "items.jsonl", "ds", &ImportOptions::default()).unwrap();
    let rubric = Rubric::from_toml(RUBRIC, "r.toml").unwrap();
    let (rubric_id, _) = store.write(|tx| tx.add_rubric(&rubric, RUBRIC, "guide")).unwrap();
    let ids: Vec<i64> = (0..N).map(|i| store.item_by_external_id(&item(i)).unwrap().unwrap().0).collect();
    // ana has the even items, ben every item.
    let queues: Vec<(&str, Vec<(i64, bool)>)> = vec![
        ("ana", (0..N).step_by(2).map(|i| (ids[i], false)).collect()),
        ("ben", ids.iter().map(|&id| (id, false)).collect()),
    ];
    let batch = store
        .write(|tx| {
            let batch = tx.create_batch(&NewBatch {
                name: "b",
                rubric_id,
                dataset: None,
                overlap: 2,
                seed: 1,
                items: &ids,
                queues: &queues,
            })?;
            tx.confirm_item(batch, ids[0], "ana", None)?;
            tx.item_event(batch, ids[2], "ana", tally::store::ItemAction::Skip, Some("later"), None)?;
            tx.confirm_item(batch, ids[1], "ben", None)?;
            tx.item_event(batch, ids[1], "ben", tally::store::ItemAction::Reopen, None, None)?;
            Ok::<_, tally::store::StoreError>(batch)
        })
        .unwrap();
    let stored = store.rubric_latest("rag-answer-quality").unwrap().unwrap();
    // A first file: ana's label on item 4, which the big file repeats, and on item 6,
    // which it changes.
    let first = format!("item,rater,criterion,value\n{},ana,correct,pass\n{},ana,correct,pass\n", item(4), item(6));
    tally::io::labels::import(&mut store, first.as_bytes(), Format::Csv, "first.csv", &stored).unwrap();
    let confirms = |rater: &str| -> i64 {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.query_row("SELECT count(*) FROM item_events WHERE action = 'confirm' AND rater = ?1", [rater], |row| {
            row.get(0)
        })
        .unwrap()
    };
    // Items 4 and 6 were confirmed by the first file, item 0 before it.
    assert_eq!((confirms("ana"), confirms("ben")), (3, 1));

    let mut labels = String::from("item,rater,criterion,value\n");
    for i in 0..N {
        for rater in ["ana", "ben", "cy"] {
            let correct = if i == 6 { "fail" } else { "pass" };
            labels.push_str(&format!(
                "{0},{rater},correct,{correct}\n{0},{rater},helpfulness,{1}\n",
                item(i),
                i % 5 + 1
            ));
        }
    }
    let summary = tally::io::labels::import(&mut store, labels.as_bytes(), Format::Csv, "l.csv", &stored).unwrap();
    assert_eq!((summary.recorded, summary.unchanged), ((N * 6 - 1) as u64, 1));

    // Every assignment is done; ana's even items once each (item 0's old confirm stands,
    // item 2's skip is confirmed over), ben's every item (item 1 twice: before its reopen
    // and now); cy has no assignment and no confirm.
    let done = |rater: &str| store.queue(batch, rater).unwrap().into_iter().filter(|e| e.done).count();
    assert_eq!((done("ana"), done("ben")), (N / 2, N));
    assert_eq!((confirms("ana"), confirms("ben"), confirms("cy")), ((N / 2) as i64, (N + 1) as i64, 0));

    let counts = store.counts().unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    let scan = |sql: &str| -> i64 { conn.query_row(sql, [], |row| row.get(0)).unwrap() };
    assert_eq!(counts.label_events, scan("SELECT count(*) FROM label_events"));
    assert_eq!(counts.label_events, (N * 6 + 1) as i64);
    // Current labels: item 6's first value was replaced, not added to.
    assert_eq!(counts.labels, (N * 6) as i64);
    assert_eq!(counts.items, N as i64);
    assert_eq!(counts.raters, 3);
}

/// A file in any order, not grouped by item: each label is written once with its own
/// value, and each assignment confirmed once, whether the rows about one item and rater
/// come close together (while the import still holds them) or far apart.
#[test]
fn labels_import_in_any_order_confirms_each_assignment_once() {
    for n in [20, 200] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let mut store = Store::create(&path).unwrap();
        let items: String = (0..n).map(|i| format!("{{\"id\": \"{}\", \"output\": \"o{i}\"}}\n", item(i))).collect();
        import(&mut store, items.as_bytes(), Format::Jsonl, "items.jsonl", "ds", &ImportOptions::default()).unwrap();
        let rubric = Rubric::from_toml(RUBRIC, "r.toml").unwrap();
        let (rubric_id, _) = store.write(|tx| tx.add_rubric(&rubric, RUBRIC, "guide")).unwrap();
        let ids: Vec<i64> = (0..n).map(|i| store.item_by_external_id(&item(i)).unwrap().unwrap().0).collect();
        // ana has the even items, ben every item.
        let queues: Vec<(&str, Vec<(i64, bool)>)> = vec![
            ("ana", (0..n).step_by(2).map(|i| (ids[i], false)).collect()),
            ("ben", ids.iter().map(|&id| (id, false)).collect()),
        ];
        let batch = store
            .write(|tx| {
                tx.create_batch(&NewBatch {
                    name: "b",
                    rubric_id,
                    dataset: None,
                    overlap: 2,
                    seed: 1,
                    items: &ids,
                    queues: &queues,
                })
            })
            .unwrap();
        // By criterion, then item: the rows of one item and rater are 2n rows apart.
        let mut labels = String::from("item,rater,criterion,value\n");
        for criterion in ["correct", "helpfulness"] {
            for i in 0..n {
                for rater in ["ana", "ben"] {
                    let value = if criterion == "correct" { ["pass", "fail"][i % 2] } else { ["1", "2", "3"][i % 3] };
                    labels.push_str(&format!("{},{rater},{criterion},{value}\n", item(i)));
                }
            }
        }
        let stored = store.rubric_latest("rag-answer-quality").unwrap().unwrap();
        let summary = tally::io::labels::import(&mut store, labels.as_bytes(), Format::Csv, "l.csv", &stored).unwrap();
        assert_eq!((summary.recorded, summary.unchanged, summary.items), ((n * 4) as u64, 0, n), "n = {n}");

        let confirms = |rater: &str| -> i64 {
            let conn = rusqlite::Connection::open(&path).unwrap();
            conn.query_row("SELECT count(*) FROM item_events WHERE action = 'confirm' AND rater = ?1", [rater], |row| {
                row.get(0)
            })
            .unwrap()
        };
        assert_eq!((confirms("ana"), confirms("ben")), (n.div_ceil(2) as i64, n as i64), "n = {n}");
        let done = |rater: &str| store.queue(batch, rater).unwrap().into_iter().filter(|e| e.done).count();
        assert_eq!((done("ana"), done("ben")), (n.div_ceil(2), n));

        let scope = tally::store::LabelScope { rubric: "rag-answer-quality", batch_id: None };
        let current = store.current_labels(scope).unwrap();
        assert_eq!(current.len(), n * 4);
        for label in current {
            let i: usize = label.item[3..].parse().unwrap();
            let expected = if label.criterion == "correct" { ["pass", "fail"][i % 2] } else { ["1", "2", "3"][i % 3] };
            assert_eq!(label.value, serde_json::json!(expected), "{label:?}");
        }
        assert_eq!(store.counts().unwrap().labels, (n * 4) as i64);
        // Again: nothing new is recorded or confirmed.
        let again = tally::io::labels::import(&mut store, labels.as_bytes(), Format::Csv, "l.csv", &stored).unwrap();
        assert_eq!((again.recorded, again.unchanged), (0, (n * 4) as u64));
        assert_eq!((confirms("ana"), confirms("ben")), (n.div_ceil(2) as i64, n as i64));
    }
}

/// The file is read on one thread and written on another, in chunks: the error named is
/// still the first in the file, whichever thread meets it, and nothing is stored.
#[test]
fn the_first_error_in_a_long_file_is_named_whichever_thread_meets_it() {
    const N: usize = 1_000;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let mut store = Store::create(&path).unwrap();
    let items: String = (0..N).map(|i| format!("{{\"id\": \"{}\", \"output\": \"o{i}\"}}\n", item(i))).collect();
    import(&mut store, items.as_bytes(), Format::Jsonl, "items.jsonl", "ds", &ImportOptions::default()).unwrap();
    let rubric = Rubric::from_toml(RUBRIC, "r.toml").unwrap();
    store.write(|tx| tx.add_rubric(&rubric, RUBRIC, "guide")).unwrap();
    let stored = store.rubric_latest("rag-answer-quality").unwrap().unwrap();
    // Lines 2.. are labels of items 0..N by two raters on two criteria; `bad` replaces
    // some lines: (line, text).
    let file = |bad: &[(usize, &str)]| -> String {
        let mut text = String::from("item,rater,criterion,value\n");
        let mut line = 2;
        for i in 0..N {
            for rater in ["ana", "ben"] {
                for (criterion, value) in [("correct", "pass"), ("helpfulness", "3")] {
                    match bad.iter().find(|(at, _)| *at == line) {
                        Some((_, text_here)) => text.push_str(text_here),
                        None => text.push_str(&format!("{},{rater},{criterion},{value}", item(i))),
                    }
                    text.push('\n');
                    line += 1;
                }
            }
        }
        text
    };
    let bad_value = "it-00001,ana,correct,maybe";
    let no_item = "it-99999,ana,correct,pass";
    for (bad, line, says) in [
        (vec![(3_500, bad_value)], 3_500, "field `value`"),
        (vec![(700, no_item), (3_500, bad_value)], 700, "no item with id `it-99999`"),
        (vec![(700, bad_value), (3_500, no_item)], 700, "field `value`"),
        (vec![(2, no_item)], 2, "no item with id"),
        (vec![(N * 4 + 1, bad_value)], N * 4 + 1, "field `value`"),
    ] {
        let err = tally::io::labels::import(&mut store, file(&bad).as_bytes(), Format::Csv, "l.csv", &stored)
            .unwrap_err()
            .to_string();
        assert!(err.contains(&format!("l.csv:{line}")) && err.contains(says), "{bad:?}: {err}");
        assert_eq!(store.counts().unwrap().label_events, 0, "{bad:?}");
    }
    let summary = tally::io::labels::import(&mut store, file(&[]).as_bytes(), Format::Csv, "l.csv", &stored).unwrap();
    assert_eq!(summary.recorded, (N * 4) as u64);
}
