//! One consensus everywhere (export, `report errors`), honouring `when`; a golden set's
//! manifest per file; golden sets counted apart from the human raters. Through the built
//! binary, on the sample data.

mod common;

use std::collections::BTreeMap;

use common::{Sandbox, repo};
use serde_json::Value;

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

/// The README's tour: the sample items, rubric and the labels of ana, ben and chloe.
fn sample_store() -> Sandbox {
    let sandbox = Sandbox::new();
    sandbox.ok(&["init"]);
    sandbox.ok(&["import", &repo("sample_data/rag_items.jsonl")]);
    sandbox.ok(&["rubric", "add", &repo("guidelines/rag-answer-quality.toml")]);
    sandbox.ok(&["labels", "import", &repo("sample_data/rag_labels.csv")]);
    sandbox
}

fn golden_lines(sandbox: &Sandbox, file: &str) -> Vec<Value> {
    std::fs::read_to_string(sandbox.path(file)).unwrap().lines().map(json).collect()
}

#[test]
fn the_golden_set_keeps_no_defects_where_the_consensus_passed_and_errors_agree() {
    let sandbox = sample_store();
    sandbox.ok(&["export", "--out", "golden/rag.jsonl"]);
    let lines = golden_lines(&sandbox, "golden/rag.jsonl");
    assert_eq!(lines.len(), 160);
    let tagged_pass: Vec<&str> = lines
        .iter()
        .filter(|line| line["labels"]["correct"] == "pass")
        .filter(|line| line["labels"]["defects"].as_array().is_some_and(|tags| !tags.is_empty()))
        .map(|line| line["id"].as_str().unwrap())
        .collect();
    assert!(tagged_pass.is_empty(), "items that pass yet carry defects: {tagged_pass:?}");
    let q3 = lines.iter().find(|line| line["id"] == "q-0003-v1").unwrap();
    assert_eq!(q3["labels"]["correct"], "pass");
    assert!(q3["labels"].get("defects").is_none(), "{q3}");
    // Defects are decided wherever the consensus fails, and only there.
    for line in &lines {
        let fails = line["labels"]["correct"] == "fail";
        assert_eq!(line["labels"].get("defects").is_some(), fails, "{line}");
    }

    // `report errors` counts the same tags on the same items.
    let mut exported: BTreeMap<String, u64> = BTreeMap::new();
    for line in &lines {
        for tag in line["labels"]["defects"].as_array().into_iter().flatten() {
            *exported.entry(tag.as_str().unwrap().to_string()).or_default() += 1;
        }
    }
    let errors = json(&sandbox.ok(&["report", "errors", "--format", "json"]));
    let reported: BTreeMap<String, u64> = errors["slices"][0]["rates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|rate| rate["criterion"] == "defects" && rate["count"].as_u64().unwrap() > 0)
        .map(|rate| (rate["value"].as_str().unwrap().to_string(), rate["count"].as_u64().unwrap()))
        .collect();
    assert!(!reported.is_empty());
    assert_eq!(reported, exported);
}
#[test]
fn a_csv_and_a_jsonl_of_one_stem_keep_their_own_manifests() {
    let sandbox = sample_store();
    let out = sandbox.ok(&["export", "--out", "golden/x.jsonl"]);
    assert!(out.contains("golden/x.manifest.json"), "{out}");
    let out = sandbox.ok(&["export", "--out", "golden/x.csv"]);
    assert!(out.contains("golden/x.csv.manifest.json"), "{out}");
    let jsonl = json(&std::fs::read_to_string(sandbox.path("golden/x.manifest.json")).unwrap());
    let csv = json(&std::fs::read_to_string(sandbox.path("golden/x.csv.manifest.json")).unwrap());
    assert_eq!((&jsonl["file"], &jsonl["file_format"]), (&Value::from("x.jsonl"), &Value::from("jsonl")));
    assert_eq!((&csv["file"], &csv["file_format"]), (&Value::from("x.csv"), &Value::from("csv")));
    // The JSONL's manifest still matches its file, so it imports.
    let out = sandbox.ok(&["golden", "import", "golden/x.jsonl"]);
    assert!(out.contains("160 items"), "{out}");

    // Versioned sets: a CSV version's manifest is found as a version too.
    sandbox.ok(&["export", "--name", "rag", "--dir", "sets", "--format", "csv"]);
    assert!(sandbox.path("sets/rag-v1.csv.manifest.json").exists());
    sandbox.ok(&["adjudicate", "q-0015-v1", "correct", "fail", "--why", "the reference says so"]);
    let out = sandbox.ok(&["export", "--name", "rag", "--dir", "sets"]);
    assert!(out.contains("sets/rag-v2.jsonl"), "{out}");
    let v2 = json(&std::fs::read_to_string(sandbox.path("sets/rag-v2.manifest.json")).unwrap());
    assert_eq!(v2["previous"]["file"], "rag-v1.csv");
}
