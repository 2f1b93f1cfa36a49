//! Offline raters: two stores labeled apart merge into the same result in either order,
//! merging twice changes nothing, and a conflicting item is reported, not guessed.

mod common;

use common::{Sandbox, repo};

fn labels(sandbox: &Sandbox, db: &str) -> Vec<(String, String, String, String)> {
    let store = tally::store::Store::open(&sandbox.path(db)).unwrap();
    let mut rows: Vec<(String, String, String, String)> = store
        .current_labels(tally::store::LabelScope { rubric: "rag-answer-quality", batch_id: None })
        .unwrap()
        .into_iter()
        .map(|l| (l.item, l.rater, l.criterion, l.value.to_string()))
        .collect();
    rows.sort();
    rows
}

#[test]
fn stores_labeled_apart_merge_the_same_either_way_and_twice_is_once() {
    let sandbox = Sandbox::with_store();
    let all: Vec<String> =
        std::fs::read_to_string(repo("sample_data/rag_labels.csv")).unwrap().lines().map(str::to_string).collect();
    // Ana's labels go to one store, ben's to another, as if each worked offline.
    for (db, rater) in [("a.db", "ana"), ("b.db", "ben")] {
        let run = |args: &[&str]| sandbox.ok_on(db, args);
        run(&["init"]);
        run(&["import", &repo("sample_data/rag_items.jsonl")]);
        run(&["rubric", "add", &repo("guidelines/rag-answer-quality.toml")]);
        let mine: Vec<&String> = all.iter().filter(|line| line.contains(&format!(",{rater},"))).collect();
        let csv = format!("{}\n{}\n", all[0], mine.iter().map(|l| l.as_str()).collect::<Vec<_>>().join("\n"));
        let file = sandbox.write(&format!("{rater}.csv"), csv);
        run(&["labels", "import", file.to_str().unwrap()]);
    }
    // Each store also has an item the other has with different content.
    for (db, text) in [("a.db", "version a"), ("b.db", "version b")] {
        let file = sandbox.write("clash.jsonl", format!("{{\"id\": \"clash\", \"output\": \"{text}\"}}\n"));
        sandbox.ok_on(db, &["import", file.to_str().unwrap()]);
    }
    for (from, to) in [("a.db", "ab.db"), ("b.db", "ba.db")] {
        std::fs::copy(sandbox.path(from), sandbox.path(to)).unwrap();
    }
    let out = sandbox.ok_on("ab.db", &["merge", "b.db"]);
    assert!(out.contains("conflict: item `clash`: different content here and in b.db"), "{out}");
    sandbox.ok_on("ba.db", &["merge", "a.db"]);
    let merged = labels(&sandbox, "ab.db");
    assert_eq!(merged, labels(&sandbox, "ba.db"));
    let raters: std::collections::BTreeSet<&str> = merged.iter().map(|row| row.1.as_str()).collect();
    assert_eq!(raters.into_iter().collect::<Vec<_>>(), ["ana", "ben"]);
    let expected = labels(&sandbox, "a.db").len() + labels(&sandbox, "b.db").len();
    assert_eq!(merged.len(), expected);

    let again: serde_json::Value =
        serde_json::from_str(&sandbox.ok_on("ab.db", &["merge", "b.db", "--format", "json"])).unwrap();
    assert_eq!(again["label_events_added"], 0);
    assert_eq!(again["items_added"], 0);
    assert!(again["label_events_already_here"].as_u64().unwrap() > 0);
    assert_eq!(labels(&sandbox, "ab.db"), merged);
    let output = sandbox.run_on("ab.db", &["merge", "ab.db"]);
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("that is this store"), "{err}");
}
