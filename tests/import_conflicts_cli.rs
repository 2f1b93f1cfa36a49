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
