//! `tally report errors` through the built binary: figures checked by hand on a small
//! store, the JSON keys scripts depend on, the Markdown form, usage errors, and the
//! bundled sample data.

mod common;

use common::{Sandbox, repo};
use serde_json::{Value, json};

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

const RUBRIC: &str = r#"
name = "mini"
version = 1

[[criteria]]
id = "correct"
kind = "binary"
options = [ { value = "pass", key = "y" }, { value = "fail", key = "n" } ]

[[criteria]]
id = "defects"
kind = "tags"
when = { correct = "fail" }
options = [ { value = "hallucination", key = "h" }, { value = "citation_error", key = "c" } ]

[[criteria]]
id = "note"
kind = "text"
"#;

const ITEMS: &str = r#"{"id": "a1", "output": "o", "metadata": {"model": "m1"}}
{"id": "a2", "output": "o", "metadata": {"model": "m1"}}
{"id": "a3", "output": "o", "metadata": {"model": "m1"}}
{"id": "a4", "output": "o", "metadata": {"model": "m1"}}
{"id": "a5", "output": "o", "metadata": {"model": "m1"}}
{"id": "b1", "output": "o", "metadata": {"model": "m2"}}
{"id": "b2", "output": "o", "metadata": {"model": "m2"}}
{"id": "b3", "output": "o", "metadata": {"model": "m2"}}
{"id": "b4", "output": "o", "metadata": {"model": "m2"}}
{"id": "c1", "output": "o"}
"#;

/// m1: a1-a3 fail, a4 passes, a5 ties (no consensus, so its tags do not apply).
/// m2: b1 fails; b2 passes by majority although one rater failed it with a tag.
/// c1 has no model and passes; its comment is not on a failed item.
const LABELS: &str = "item,rater,criterion,value,comment
a1,ana,correct,fail,
a1,ana,defects,hallucination,
a1,ana,note,invented refund fee,
a2,ana,correct,fail,
a2,ana,defects,hallucination;citation_error,
a2,ana,note,the refund fee is invented,
a3,ana,correct,fail,limits answered wrongly
a3,ana,defects,,
a4,ana,correct,pass,
a5,ana,correct,pass,
a5,ben,correct,fail,
a5,ben,defects,citation_error,
b1,ana,correct,fail,
b1,ana,defects,citation_error,
b2,ana,correct,pass,
b2,ben,correct,pass,
b2,chloe,correct,fail,
b2,chloe,defects,hallucination,
b3,ana,correct,pass,
b4,ana,correct,pass,
c1,ana,correct,pass,invented refund fee
";

fn small_store() -> Sandbox {
    let sandbox = Sandbox::with_store();
    sandbox.ok(&["import", &sandbox.write("items.jsonl", ITEMS).display().to_string()]);
    sandbox.ok(&["rubric", "add", &sandbox.write("mini.toml", RUBRIC).display().to_string()]);
    sandbox.ok(&["labels", "import", &sandbox.write("labels.csv", LABELS).display().to_string()]);
    sandbox
}

/// (count, n, rate) of `criterion: value` in a rates list.
fn rate(rates: &Value, criterion: &str, value: &str) -> (u64, u64, Option<f64>) {
    let rate = rates
        .as_array()
        .unwrap()
        .iter()
        .find(|rate| rate["criterion"] == criterion && rate["value"] == value)
        .unwrap_or_else(|| panic!("no rate {criterion}: {value} in {rates}"));
    (rate["count"].as_u64().unwrap(), rate["n"].as_u64().unwrap(), rate["rate"].as_f64())
}

fn close(value: &Value, expected: f64) {
    let value = value.as_f64().unwrap_or_else(|| panic!("not a number: {value}"));
    assert!((value - expected).abs() < 5e-4, "{value} != {expected}");
}

#[test]
fn rates_per_slice_and_their_comparison_match_a_hand_count() {
    let sandbox = small_store();
    let report =
        json(&sandbox.ok(&["report", "errors", "--by", "model", "--compare", "model=m1,m2", "--format", "json"]));
    assert_eq!((report["items"].as_u64(), report["failed_items"].as_u64()), (Some(10), Some(4)));
    assert_eq!(report["by"], "model");
    let slices = report["slices"].as_array().unwrap();
    let names: Vec<&str> = slices.iter().map(|slice| slice["slice"].as_str().unwrap()).collect();
    assert_eq!(names, ["(none)", "m1", "m2"]);
    let (m1, m2) = (&slices[1], &slices[2]);
    assert_eq!((m1["items"].as_u64(), m1["failed_items"].as_u64()), (Some(5), Some(3)));
    // a5's tie leaves it out of the correct rate, and its tags out of the tag rates.
    assert_eq!(rate(&m1["rates"], "correct", "fail"), (3, 4, Some(0.75)));
    assert_eq!(rate(&m1["rates"], "defects", "hallucination"), (2, 5, Some(0.4)));
    assert_eq!(rate(&m1["rates"], "defects", "citation_error"), (1, 5, Some(0.2)));
    // b2's lone hallucination tag does not count: its consensus passes.
    assert_eq!(rate(&m2["rates"], "correct", "fail"), (1, 4, Some(0.25)));
    assert_eq!(rate(&m2["rates"], "defects", "hallucination"), (0, 4, Some(0.0)));
    assert_eq!(rate(&slices[0]["rates"], "correct", "fail"), (0, 1, Some(0.0)));
    // Wilson 95% of 3/4.
    let correct = &m1["rates"][0];
    close(&correct["ci_low"], 0.3006);
    close(&correct["ci_high"], 0.9544);

    let comparison = &report["comparison"];
    assert_eq!(
        (&comparison["field"], &comparison["a"], &comparison["b"]),
        (&json!("model"), &json!("m1"), &json!("m2"))
    );
    assert_eq!((comparison["items_a"].as_u64(), comparison["items_b"].as_u64()), (Some(5), Some(4)));
    let correct = &comparison["rates"][0];
    assert_eq!(correct["criterion"], "correct");
    assert_eq!((correct["count_a"].as_u64(), correct["n_a"].as_u64()), (Some(3), Some(4)));
    assert_eq!((correct["count_b"].as_u64(), correct["n_b"].as_u64()), (Some(1), Some(4)));
    close(&correct["difference"], 0.5);
    // Newcombe: 0.5 - sqrt((0.75 - 0.3006)^2 + (0.6994 - 0.25)^2), and the mirror image.
    close(&correct["ci_low"], -0.1355);
    close(&correct["ci_high"], 0.7891);
    // Pooled 4/8: z = 0.5 / sqrt(0.25 * (1/4 + 1/4)) = sqrt(2).
    close(&correct["z"], std::f64::consts::SQRT_2);
    close(&correct["p_value"], 0.1573);
    // 0/4 against 0/1 has a difference but no test (nothing varies).
    let none = json(&sandbox.ok(&["report", "errors", "--compare", "model=m2,(none)", "--format", "json"]));
    let hallucination = &none["comparison"]["rates"][1];
    assert_eq!((hallucination["value"].as_str(), hallucination["count_b"].as_u64()), (Some("hallucination"), Some(0)));
    assert!(hallucination["z"].is_null() && hallucination["p_value"].is_null(), "{hallucination}");
    assert!(hallucination["ci_low"].is_number());
}

#[test]
fn tag_combinations_and_comment_clusters() {
    let sandbox = small_store();
    let report = json(&sandbox.ok(&["report", "errors", "--format", "json"]));
    assert_eq!(report["by"], Value::Null);
    assert_eq!(report["slices"].as_array().unwrap().len(), 1);
    assert_eq!(report["slices"][0]["slice"], "all");
    assert_eq!(
        report["tag_combinations"],
        json!([
            {"tags": ["citation_error"], "count": 1, "examples": ["b1"]},
            {"tags": ["citation_error", "hallucination"], "count": 1, "examples": ["a2"]},
            {"tags": ["hallucination"], "count": 1, "examples": ["a1"]},
        ])
    );
    // Notes on a1 and a2 and a3's comment; c1's comment is on an item that passed.
    assert_eq!(report["comments"], 3);
    assert_eq!(report["similarity_threshold"], 0.3);
    assert_eq!(
        report["comment_clusters"],
        json!([{"size": 2, "items": 2, "top_terms": ["fee", "invented", "refund"], "comments": [
            {"item": "a1", "text": "invented refund fee"},
            {"item": "a2", "text": "the refund fee is invented"},
        ]}])
    );
}

#[test]
fn every_format_prints() {
    let sandbox = small_store();
    let table = sandbox.ok(&["report", "errors", "--by", "model", "--compare", "model=m1,m2"]);
    for expected in ["Errors: rubric mini v1, all labels, by model", "correct: fail", "3/4"] {
        assert!(table.contains(expected), "{expected} missing:\n{table}");
    }
    assert!(table.contains("model = m1 (A, 5 items) against m2 (B, 4 items)"), "{table}");
    assert!(table.contains("citation_error + hallucination"), "{table}");
    let md = sandbox.ok(&["report", "errors", "--by", "model", "--compare", "model=m1,m2", "--format", "md"]);
    assert!(md.starts_with("### Errors: rubric mini v1"), "{md}");
    assert!(md.contains("| slice | failure | rate | 95% CI | k/n |\n|---|---|---:|---:|---:|\n"), "{md}");
    assert!(md.contains("| correct: fail | 0.750 | 0.250 | +0.500 |"), "{md}");
    let csv = sandbox.ok(&["report", "errors", "--by", "model", "--format", "csv"]);
    assert!(csv.starts_with("section,slice,criterion,value,count,n,estimate,ci_low,ci_high,z,p_value,examples\n"));
    assert!(csv.contains("\nrate,m1,correct,fail,3,4,0.75,"), "{csv}");
}

#[test]
fn a_compared_slice_without_items_is_a_usage_error() {
    let sandbox = small_store();
    let output = sandbox.run(&["report", "errors", "--compare", "model=m1,m9"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no labeled item has model = `m9`"), "{stderr}");
    assert!(stderr.contains("values found: (none), m1, m2"), "{stderr}");
    assert!(output.stdout.is_empty());
    for malformed in ["model", "model=m1", "model=m1,m1"] {
        let output = sandbox.run(&["report", "errors", "--compare", malformed]);
        assert_eq!(output.status.code(), Some(2), "{malformed}");
        assert!(String::from_utf8_lossy(&output.stderr).contains("--compare"), "{malformed}");
    }
}

#[test]
fn the_sample_data_compared_by_model() {
    let sandbox = Sandbox::with_store();
    sandbox.ok(&["import", &repo("sample_data/rag_items.jsonl")]);
    sandbox.ok(&["rubric", "add", &repo("guidelines/rag-answer-quality.toml")]);
    sandbox.ok(&["labels", "import", &repo("sample_data/rag_labels.csv")]);
    let args = ["report", "errors", "--by", "model", "--compare", "model=assistant-v1,assistant-v2"];
    let table = sandbox.ok(&args);
    for line in table.lines() {
        assert!(line.chars().count() <= 80, "wider than 80 columns: {line}");
    }
    for expected in ["assistant-v1", "defects: hallucination", "Comment clusters", "misread_context"] {
        assert!(table.contains(expected), "{expected} missing:\n{table}");
    }
    let report = json(&sandbox.ok(&[&args[..], &["--format", "json"]].concat()));
    assert_eq!(report["items"], 160);
    assert_eq!(report["comparison"]["items_a"], 80);
    for key in
        ["criterion", "kind", "value", "count_a", "n_a", "rate_a", "difference", "ci_low", "ci_high", "z", "p_value"]
    {
        assert!(report["comparison"]["rates"][0].get(key).is_some(), "{key} missing");
    }
    assert!(!report["comment_clusters"].as_array().unwrap().is_empty());
    assert!(report["tag_combinations"].as_array().unwrap().len() <= 10);
}
