//! Imports never silently rewrite what raters saw: a repeated JSON key or CSV column, two
//! values for one label in one file, a value for a criterion that does not apply, and new
//! content for labeled items are refused (naming file, line and field), the store unchanged.

mod common;

use common::{Sandbox, repo};

/// A store with the sample items and rubric.
fn store_with_items() -> Sandbox {
    let sandbox = Sandbox::new();
    sandbox.ok(&["init"]);
    sandbox.ok(&["import", &repo("sample_data/rag_items.jsonl")]);
    sandbox.ok(&["rubric", "add", &repo("guidelines/rag-answer-quality.toml")]);
    sandbox
}

fn store_bytes(sandbox: &Sandbox) -> Vec<u8> {
    std::fs::read(sandbox.path("tally.db")).unwrap()
}

/// Runs a command that must fail, checks the store is byte-identical, returns stderr.
fn refused(sandbox: &Sandbox, args: &[&str]) -> String {
    let before = store_bytes(sandbox);
    let err = sandbox.fails(args);
    assert!(store_bytes(sandbox) == before, "tally {args:?} changed the store");
    err
}

#[test]
fn a_repeated_json_key_in_items_labels_or_a_sample_is_refused() {
    let sandbox = store_with_items();
    let items = sandbox.write(
        "dup.jsonl",
        "{\"id\": \"new-1\", \"output\": \"x\"}\n{\"id\": \"new-2\", \"output\": \"x\", \"output\": \"y\"}\n",
    );
    let err = refused(&sandbox, &["import", items.to_str().unwrap()]);
    assert!(err.contains("dup.jsonl:2: field `output` appears twice"), "{err}");
    let err = refused(&sandbox, &["sample", items.to_str().unwrap(), "--n", "1"]);
    assert!(err.contains("dup.jsonl:2: field `output` appears twice"), "{err}");

    let labels = sandbox.write(
        "labels.jsonl",
        "{\"item\": \"q-0001-v1\", \"rater\": \"ana\", \"criterion\": \"correct\", \"value\": \"pass\", \"value\": \"fail\"}\n",
    );
    let err = refused(&sandbox, &["labels", "import", labels.to_str().unwrap()]);
    assert!(err.contains("labels.jsonl:1: field `value` appears twice"), "{err}");
}

#[test]
fn a_repeated_csv_column_is_refused_naming_both() {
    let sandbox = store_with_items();
    let items = sandbox.write("dup.csv", "id,output,output\nnew-1,x,y\n");
    let err = refused(&sandbox, &["import", items.to_str().unwrap()]);
    assert!(err.contains("dup.csv:1: columns 2 and 3 are both named `output`"), "{err}");
    let labels = sandbox.write("labels.csv", "item,rater,criterion,value,rater\nq-0001-v1,ana,correct,pass,ben\n");
    let err = refused(&sandbox, &["labels", "import", labels.to_str().unwrap()]);
    assert!(err.contains("labels.csv:1: columns 2 and 5 are both named `rater`"), "{err}");
}

#[test]
fn two_values_for_one_label_in_one_file_are_refused_naming_both_lines() {
    let sandbox = store_with_items();
    let labels = sandbox.write(
        "labels.csv",
        "item,rater,criterion,value\nq-0001-v1,ana,correct,pass\nq-0001-v1,ana,helpfulness,4\n\
         q-0001-v1,ana,correct,pass\nq-0001-v1,ana,correct,fail\n",
    );
    let err = refused(&sandbox, &["labels", "import", labels.to_str().unwrap()]);
    assert!(err.contains("labels.csv:5: field `value`"), "{err}");
    assert!(err.contains("on line 2"), "{err}");
    // The same row twice is harmless.
    let labels = sandbox
        .write("same.csv", "item,rater,criterion,value\nq-0001-v1,ana,correct,pass\nq-0001-v1,ana,correct,pass\n");
    let out = sandbox.ok(&["labels", "import", labels.to_str().unwrap()]);
    assert!(out.contains("1 recorded, 1 unchanged"), "{out}");
}

#[test]
fn a_value_for_a_criterion_whose_when_does_not_hold_is_refused() {
    let sandbox = store_with_items();
    // In the same file, on an earlier or a later line.
    for rows in [
        "q-0001-v1,ana,correct,pass\nq-0001-v1,ana,defects,hallucination\n",
        "q-0001-v1,ana,defects,hallucination\nq-0001-v1,ana,correct,pass\n",
    ] {
        let labels = sandbox.write("labels.csv", format!("item,rater,criterion,value\n{rows}"));
        let err = refused(&sandbox, &["labels", "import", labels.to_str().unwrap()]);
        let line = if rows.starts_with("q-0001-v1,ana,correct") { 3 } else { 2 };
        assert!(
            err.contains(&format!(
                "labels.csv:{line}: field `criterion`: `defects` applies only when `correct` is `fail`"
            )),
            "{err}"
        );
        assert!(err.contains("rater `ana` has `pass` for `correct`"), "{err}");
    }
    // Already in the store.
    let first = sandbox.write("first.csv", "item,rater,criterion,value\nq-0001-v1,ana,correct,pass\n");
    sandbox.ok(&["labels", "import", first.to_str().unwrap()]);
    let then = sandbox.write("then.csv", "item,rater,criterion,value\nq-0001-v1,ana,defects,incomplete\n");
    let err = refused(&sandbox, &["labels", "import", then.to_str().unwrap()]);
    assert!(err.contains("then.csv:2: field `criterion`: `defects` applies only when"), "{err}");
    // A fail in the file makes the tags apply; another rater's fail does not.
    let fine = sandbox.write(
        "fine.csv",
        "item,rater,criterion,value\nq-0001-v1,ana,defects,incomplete\nq-0001-v1,ana,correct,fail\n",
    );
    sandbox.ok(&["labels", "import", fine.to_str().unwrap()]);
    let other = sandbox.write(
        "other.csv",
        "item,rater,criterion,value\nq-0002-v1,ben,correct,fail\nq-0002-v1,chloe,correct,pass\nq-0002-v1,chloe,defects,incomplete\n",
    );
    let err = refused(&sandbox, &["labels", "import", other.to_str().unwrap()]);
    assert!(err.contains("other.csv:4:"), "{err}");
}

/// The sample items rewritten: every line's output changed, for the first `n` items.
fn changed_items(sandbox: &Sandbox, n: usize) -> std::path::PathBuf {
    let text = std::fs::read_to_string(repo("sample_data/rag_items.jsonl")).unwrap();
    let lines: Vec<String> = text
        .lines()
        .take(n)
        .map(|line| {
            let mut item: serde_json::Value = serde_json::from_str(line).unwrap();
            item["output"] = serde_json::Value::String(format!("{} (edited)", item["output"].as_str().unwrap()));
            item.to_string()
        })
        .collect();
    sandbox.write("edited.jsonl", lines.join("\n") + "\n")
}

/// A store with the sample items, rubric, a batch and the sample labels.
fn labeled_store() -> Sandbox {
    let sandbox = store_with_items();
    sandbox.ok(&[
        "batch",
        "create",
        "pilot",
        "--rubric",
        "rag-answer-quality",
        "--raters",
        "ana,ben,chloe",
        "--overlap",
        "3",
    ]);
    sandbox.ok(&["labels", "import", &repo("sample_data/rag_labels.csv")]);
    sandbox
}

fn labels_on(sandbox: &Sandbox, id: &str) -> Vec<serde_json::Value> {
    let shown: serde_json::Value = serde_json::from_str(&sandbox.ok(&["show", id, "--format", "json"])).unwrap();
    shown["labels"].as_array().unwrap().clone()
}

fn done_of(sandbox: &Sandbox, rater: &str) -> i64 {
    let report: serde_json::Value =
        serde_json::from_str(&sandbox.ok(&["report", "progress", "--format", "json"])).unwrap();
    report["raters"].as_array().unwrap().iter().find(|row| row["rater"] == rater).unwrap()["done"].as_i64().unwrap()
}

#[test]
fn updating_labeled_items_is_refused_naming_them() {
    let sandbox = labeled_store();
    let edited = changed_items(&sandbox, 8);
    let err = refused(&sandbox, &["import", edited.to_str().unwrap(), "--on-conflict", "update"]);
    assert!(err.contains("edited.jsonl:1: field `id`: 8 labeled item(s) would get new content"), "{err}");
    assert!(err.contains("`q-0001-v1` (line 1)"), "{err}");
    assert!(err.contains("and 3 more"), "{err}");
    assert!(err.contains("--labeled stale"), "{err}");
    let err = sandbox.fails(&["import", edited.to_str().unwrap(), "--labeled", "keep"]);
    assert!(err.contains("--labeled applies with --on-conflict update"), "{err}");
    // An unlabeled item still updates as before.
    let other = sandbox.write("other.jsonl", "{\"id\": \"fresh\", \"output\": \"a\"}\n");
    sandbox.ok(&["import", other.to_str().unwrap()]);
    let other = sandbox.write("other.jsonl", "{\"id\": \"fresh\", \"output\": \"b\"}\n");
    let out = sandbox.ok(&["import", other.to_str().unwrap(), "--on-conflict", "update"]);
    assert!(out.contains("1 updated"), "{out}");
}

#[test]
fn labeled_stale_withdraws_the_labels_keeping_them_tied_to_the_old_content() {
    let sandbox = labeled_store();
    let before = labels_on(&sandbox, "q-0001-v1");
    assert!(!before.is_empty());
    let done = done_of(&sandbox, "ana");
    let edited = changed_items(&sandbox, 1);
    let out = sandbox.ok(&["import", edited.to_str().unwrap(), "--on-conflict", "update", "--labeled", "stale"]);
    assert!(out.contains(&format!("1 updated; {} labels on updated items withdrawn as stale", before.len())), "{out}");
    assert_eq!(labels_on(&sandbox, "q-0001-v1"), Vec::<serde_json::Value>::new());
    assert_eq!(done_of(&sandbox, "ana"), done - 1);
    // The history keeps the old values, and the withdrawals name the content they were on.
    let db = rusqlite::Connection::open(sandbox.path("tally.db")).unwrap();
    let (kept, withdrawn): (i64, i64) = db
        .query_row(
            "SELECT sum(value IS NOT NULL), sum(value IS NULL AND comment LIKE 'stale: the item''s content changed (labeled as content %')
             FROM label_events WHERE item_id = (SELECT id FROM items WHERE external_id = 'q-0001-v1')",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    assert_eq!((kept, withdrawn), (before.len() as i64, before.len() as i64));
}

#[test]
fn labeled_keep_updates_and_the_labels_stand() {
    let sandbox = labeled_store();
    let before = labels_on(&sandbox, "q-0001-v1");
    let edited = changed_items(&sandbox, 1);
    let out = sandbox.ok(&["import", edited.to_str().unwrap(), "--on-conflict", "update", "--labeled", "keep"]);
    assert!(out.contains("labels on updated items kept for the new content"), "{out}");
    assert_eq!(labels_on(&sandbox, "q-0001-v1"), before);
    let shown = sandbox.ok(&["show", "q-0001-v1"]);
    assert!(shown.contains("(edited)"), "{shown}");
}

/// A long file goes to the store many rows a statement, read on another thread: a
/// conflict late in it is still refused at its line with the store unchanged, and
/// `--on-conflict skip` still tells each row's fate (new, repeated, skipped).
#[test]
fn a_conflict_late_in_a_long_file_is_named_and_each_row_counted() {
    let sandbox = store_with_items();
    let text: String = (1..=2500)
        .map(|line| match line {
            // The id of a sample item, with other content.
            2300 => "{\"id\": \"q-0001-v1\", \"output\": \"other\"}\n".to_string(),
            // Line 15 repeats line 10 exactly.
            15 => "{\"id\": \"long-10\", \"output\": \"a10\"}\n".to_string(),
            _ => format!("{{\"id\": \"long-{line}\", \"output\": \"a{line}\"}}\n"),
        })
        .collect();
    let long = sandbox.write("long.jsonl", text);
    let err = refused(&sandbox, &["import", long.to_str().unwrap()]);
    assert!(err.contains("long.jsonl:2300: field `id`: `q-0001-v1` is already in the store"), "{err}");
    let out = sandbox.ok(&["import", long.to_str().unwrap(), "--on-conflict", "skip"]);
    assert!(
        out.contains(
            "2500 records into dataset `long`: 2498 new, 1 unchanged, 1 skipped (id exists with other content)"
        ),
        "{out}"
    );
}
