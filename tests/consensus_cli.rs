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

fn alpha_of(report: &Value, criterion: &str) -> f64 {
    let criteria = report["criteria"].as_array().unwrap();
    criteria.iter().find(|c| c["criterion"] == criterion).unwrap()["alpha"].as_f64().unwrap()
}

#[test]
fn a_golden_set_imported_back_is_not_a_rater() {
    let sandbox = sample_store();
    let gate = ["gate", "--min-alpha", "0.8", "--criterion", "correct"];
    let failing = sandbox.run(&gate);
    assert_eq!(failing.status.code(), Some(1), "alpha of correct is 0.765 on the sample data");
    let before = json(&sandbox.ok(&["report", "agreement", "--replicates", "0", "--format", "json"]));
    assert_eq!(before["golden_labels_left_out"], 0);

    sandbox.ok(&["export", "--out", "golden/rag.jsonl"]);
    let out = sandbox.ok(&["golden", "import", "golden/rag.jsonl"]);
    assert!(out.contains("as rater `golden:rag`"), "{out}");

    // The gate still fails, and says what it left out.
    let output = sandbox.run(&gate);
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("490 golden-set labels left out"), "{stdout}");
    let after = json(&sandbox.ok(&["report", "agreement", "--replicates", "0", "--format", "json"]));
    assert_eq!(after["golden_labels_left_out"], 490);
    assert_eq!(after["raters"], before["raters"]);
    assert_eq!(alpha_of(&after, "correct"), alpha_of(&before, "correct"));
    let table = sandbox.ok(&["report", "agreement", "--replicates", "0"]);
    assert!(table.contains("490 golden-set labels left out"), "{table}");

    // Asked for, the golden set counts as a rater: agreement rises and the gate passes.
    let included =
        json(&sandbox.ok(&["report", "agreement", "--include-golden", "--replicates", "0", "--format", "json"]));
    assert_eq!(included["golden_labels_left_out"], 0);
    assert!(alpha_of(&included, "correct") > 0.8, "{included}");
    assert_eq!(sandbox.run(&[&gate[..], &["--include-golden"]].concat()).status.code(), Some(0));

    // The other reports leave it out too.
    let raters = json(&sandbox.ok(&["report", "raters", "--format", "json"]));
    let names: Vec<&str> = raters["raters"].as_array().unwrap().iter().map(|r| r["rater"].as_str().unwrap()).collect();
    assert_eq!(names, ["ana", "ben", "chloe"]);
    assert_eq!(raters["golden_labels_left_out"], 490);
    let errors = json(&sandbox.ok(&["report", "errors", "--format", "json"]));
    assert_eq!(errors["golden_labels_left_out"], 490);
    let judge = json(&sandbox.ok(&["report", "judge", "--replicates", "0", "--format", "json"]));
    assert_eq!(judge["golden_labels_left_out"], 490);
    let all = sandbox.ok(&["report", "all", "--replicates", "0"]);
    assert!(all.contains("490 golden-set labels left out"), "{all}");
    let status = json(&sandbox.ok(&["status", "--format", "json"]));
    assert_eq!((status["raters"].as_i64(), status["golden_raters"].as_i64()), (Some(3), Some(1)), "{status}");
    // A re-export is unchanged: the golden set does not vote on its own consensus.
    sandbox.ok(&["export", "--out", "golden/again.jsonl"]);
    assert_eq!(
        std::fs::read(sandbox.path("golden/rag.jsonl")).unwrap(),
        std::fs::read(sandbox.path("golden/again.jsonl")).unwrap()
    );
}

#[test]
fn golden_labels_are_known_by_their_source_or_by_the_golden_prefix() {
    let sandbox = sample_store();
    sandbox.ok(&["export", "--out", "golden/rag.jsonl"]);
    // Under a name of the user's choosing, the label events' source marks them.
    sandbox.ok(&["golden", "import", "golden/rag.jsonl", "--rater", "reference"]);
    // A store written before the source was marked: the default name `golden:...`.
    sandbox.write("old.csv", "item,rater,criterion,value\nq-0001-v1,golden:old,correct,fail\n");
    sandbox.ok(&["labels", "import", "old.csv"]);
    let report = json(&sandbox.ok(&["report", "agreement", "--replicates", "0", "--format", "json"]));
    assert_eq!(report["raters"], serde_json::json!(["ana", "ben", "chloe"]));
    assert_eq!(report["golden_labels_left_out"], 491);
}

#[test]
fn the_judge_report_compares_a_when_criterion_only_where_the_consensus_asks_it() {
    let sandbox = Sandbox::new();
    sandbox.ok(&["init"]);
    sandbox.write(
        "items.jsonl",
        [
            r#"{"id": "a", "input": "q", "output": "x", "judge": {"correct": "fail", "severity": "3"}}"#,
            r#"{"id": "b", "input": "q", "output": "y", "judge": {"correct": "pass", "severity": "3"}}"#,
            r#"{"id": "c", "input": "q", "output": "z", "judge": {"correct": "fail", "severity": "1"}}"#,
        ]
        .join("\n"),
    );
    sandbox.write(
        "r.toml",
        r#"name = "r"
version = 1
[[criteria]]
id = "correct"
kind = "binary"
options = [ { value = "pass", key = "y" }, { value = "fail", key = "n" } ]
[[criteria]]
id = "severity"
kind = "ordinal"
when = { correct = "fail" }
options = [ { value = "1", key = "1" }, { value = "2", key = "2" }, { value = "3", key = "3" } ]
"#,
    );
    // b passes by consensus: its one severity (from the rater who failed it) is not a
    // human verdict on severity.
    let rows = [
        "a,r1,correct,fail",
        "a,r1,severity,3",
        "a,r2,correct,fail",
        "a,r2,severity,3",
        "a,r3,correct,pass",
        "b,r1,correct,pass",
        "b,r2,correct,pass",
        "b,r3,correct,fail",
        "b,r3,severity,1",
        "c,r1,correct,fail",
        "c,r1,severity,1",
        "c,r2,correct,fail",
        "c,r2,severity,1",
    ];
    sandbox.write("labels.csv", format!("item,rater,criterion,value\n{}\n", rows.join("\n")));
    sandbox.ok(&["import", "items.jsonl"]);
    sandbox.ok(&["rubric", "add", "r.toml"]);
    sandbox.ok(&["labels", "import", "labels.csv"]);
    let report = json(&sandbox.ok(&["report", "judge", "--replicates", "0", "--format", "json"]));
    let severity = report["criteria"].as_array().unwrap().iter().find(|c| c["criterion"] == "severity").unwrap();
    // Items a and c: the judge agrees with the humans on both.
    assert_eq!(severity["bias_n"], 2, "{severity}");
    assert_eq!(severity["bias"], 0.0, "{severity}");
}
