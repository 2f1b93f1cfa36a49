//! `export --replicates N`: the manifest's agreement intervals can be skipped (or made
//! cheaper) on a large store; by default they are there, as before.

mod common;

use common::{Sandbox, repo};

fn manifest(sandbox: &Sandbox, extra: &[&str], name: &str) -> serde_json::Value {
    let out = sandbox.path(name);
    let mut args = vec!["export", "--out", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    sandbox.ok(&args);
    let text = std::fs::read_to_string(sandbox.path(&name.replace(".jsonl", ".manifest.json"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn export_replicates_zero_leaves_the_intervals_out_and_the_default_keeps_them() {
    let sandbox = Sandbox::with_store();
    sandbox.ok(&["import", &repo("sample_data/rag_items.jsonl")]);
    sandbox.ok(&["rubric", "add", &repo("guidelines/rag-answer-quality.toml")]);
    sandbox.ok(&["labels", "import", &repo("sample_data/rag_labels.csv")]);
    let default = manifest(&sandbox, &[], "a.jsonl");
    let alpha = &default["agreement"][0];
    assert_eq!(alpha["bootstrap_replicates"], 1000);
    assert!(alpha["ci_low"].is_f64() && alpha["ci_high"].is_f64(), "{alpha}");
    let quick = manifest(&sandbox, &["--replicates", "0"], "b.jsonl");
    let alpha_quick = &quick["agreement"][0];
    assert!(alpha_quick["ci_low"].is_null() && alpha_quick["ci_high"].is_null(), "{alpha_quick}");
    // The point estimates and the golden set itself are the same.
    assert_eq!(alpha_quick["alpha"], alpha["alpha"]);
    assert_eq!(default["sha256"], quick["sha256"]);
    let same = manifest(&sandbox, &["--replicates", "1000", "--seed", "1"], "c.jsonl");
    assert_eq!(same["agreement"], default["agreement"]);
}
