//! `tally report preference` and `gate --min-win-rate` through the real binary, on a
//! small store built here: comparison items, a preference rubric, two raters' votes.

mod common;

use common::Sandbox;
use serde_json::Value;

const RUBRIC: &str = r#"name = "pairwise"
version = 1
guidelines = "pairwise.md"

[[criteria]]
id = "pref"
kind = "preference"
question = "Which answer is better?"
"#;

/// One comparison item: prompt `q`, candidates `(id, model)` in order, judge verdict.
fn item(id: &str, q: &str, first: &str, second: &str, judge: Option<&str>) -> String {
    let judge = judge.map_or_else(String::new, |verdict| format!(r#", "judge": {{"pref": "{verdict}"}}"#));
    format!(
        r#"{{"id": "{id}", "input": "Question {q}", "metadata": {{"question_id": "{q}", "lang": "{lang}"}}, "candidates": [{{"id": "c-{first}", "output": "answer by {first}", "model": "{first}"}}, {{"id": "c-{second}", "output": "answer by {second}", "model": "{second}"}}]{judge}}}"#,
        lang = if q == "q4" { "de" } else { "en" }
    )
}

/// Items and votes whose figures are worked out by hand in the test below.
fn store() -> Sandbox {
    let sandbox = Sandbox::with_store();
    let items = [
        item("q1-12", "q1", "m1", "m2", Some("a")),
        item("q2-12", "q2", "m1", "m2", None),
        item("q3-12", "q3", "m1", "m2", None),
        // m3 is the first candidate here: b is a vote for m2.
        item("q1-32", "q1", "m3", "m2", Some("b")),
        item("q4-23", "q4", "m2", "m3", None),
        item("q4-13", "q4", "m1", "m3", None),
        // The judge saw q1's m1 and m2 the other way round too, and again chose m1.
        item("q1-21", "q1", "m2", "m1", Some("b")),
    ];
    sandbox.write("items.jsonl", items.join("\n") + "\n");
    sandbox.ok(&["import", "items.jsonl"]);
    sandbox.write("pairwise.toml", RUBRIC);
    sandbox.write("pairwise.md", "Pick the better answer.\n");
    sandbox.ok(&["rubric", "add", "pairwise.toml"]);
    let votes = "item,rater,criterion,value\n\
        q1-12,ana,pref,a\nq1-12,ben,pref,a\n\
        q2-12,ana,pref,tie\nq2-12,ben,pref,a\n\
        q3-12,ana,pref,b\nq3-12,ben,pref,both_bad\n\
        q1-32,ana,pref,b\nq1-32,ben,pref,b\n\
        q4-23,ana,pref,b\nq4-23,ben,pref,tie\n\
        q4-13,ana,pref,a\nq4-13,ben,pref,tie\n";
    sandbox.write("votes.csv", votes);
    sandbox.ok(&["labels", "import", "votes.csv"]);
    sandbox
}

fn close(value: &Value, expected: f64) -> bool {
    value.as_f64().is_some_and(|v| (v - expected).abs() < 1e-9)
}

#[test]
fn report_preference_json_counts_wins_ties_and_rates_by_hand() {
    let sandbox = store();
    let out = sandbox.ok(&["report", "preference", "--format", "json", "--replicates", "200"]);
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["criterion"], "pref");
    // 6 labeled items x 2 raters; prompts q1..q4.
    assert_eq!((report["n_votes"].as_u64(), report["n_prompts"].as_u64()), (Some(12), Some(4)));
    assert_eq!(report["contenders"], serde_json::json!(["m1", "m2", "m3"]));
    let pairs = report["pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), 3);
    // m1 vs m2: q1 a, a; q2 tie, a; q3 b, both_bad: 3 wins, 1 loss, 1 tie, 1 both bad,
    // win rate (3 + (1 + 1) / 2) / 6 = 2/3.
    let m1_m2 = &pairs[0];
    assert_eq!((m1_m2["a"].as_str(), m1_m2["b"].as_str()), (Some("m1"), Some("m2")));
    let counts = ["wins_a", "wins_b", "ties", "both_bad"].map(|key| m1_m2[key].as_u64().unwrap());
    assert_eq!(counts, [3, 1, 1, 1]);
    assert!(close(&m1_m2["win_rate_a"], 4.0 / 6.0), "{m1_m2}");
    let ci = m1_m2["ci"].as_array().unwrap();
    assert!(ci[0].as_f64().unwrap() <= 4.0 / 6.0 && 4.0 / 6.0 <= ci[1].as_f64().unwrap());
    // m2 vs m3, with q1-32's candidates in the other order: m2 won q1 twice, m3 won q4
    // once, one tie: (2 + 0.5) / 4.
    let m2_m3 = &pairs[2];
    assert_eq!((m2_m3["a"].as_str(), m2_m3["b"].as_str()), (Some("m2"), Some("m3")));
    assert_eq!(["wins_a", "wins_b", "ties"].map(|key| m2_m3[key].as_u64().unwrap()), [2, 1, 1]);
    assert!(close(&m2_m3["win_rate_a"], 2.5 / 4.0));
    // Ratings: best first, m1 is the anchor at 1000; m1's pooled win rate: 4 of 6 against
    // m2, 1.5 of 2 against m3: 5.5 / 8.
    let ratings = report["ratings"].as_array().unwrap();
    assert_eq!(ratings.len(), 3);
    assert_eq!((ratings[0]["model"].as_str(), ratings[0]["rank"].as_u64()), (Some("m1"), Some(1)));
    assert!(close(&ratings[0]["score"], 1000.0));
    assert!(close(&ratings[0]["win_rate"], 5.5 / 8.0));
    assert!(ratings.iter().all(|rating| rating["ci"].is_array() && rating["n"].as_u64().unwrap() > 0));
    // No sides recorded (the votes came from a file): every decisive vote is left out.
    let bias = &report["position_bias"];
    assert_eq!((bias["n"].as_u64(), bias["no_side"].as_u64(), bias["left_share"].is_null()), (Some(0), Some(8), true));
    // Agreement as `report agreement` gives it, plus percent agreement: with ties 2 of 6
    // items agree; without ties q1-12 and q1-32 are the items with two decisive votes.
    let agreement = &report["agreement"];
    assert_eq!((agreement["criterion"].as_str(), agreement["level"].as_str()), (Some("pref"), Some("nominal")));
    assert!(agreement.get("alpha").is_some() && agreement["pairwise"].is_array());
    // The kappa family sees the preference options as categories: ana and ben share six
    // items, and its percent agreement is the one with ties.
    assert_eq!(agreement["categories"], serde_json::json!(["a", "b", "tie", "both_bad"]));
    assert_eq!(agreement["pairwise"][0]["n"].as_u64(), Some(6));
    assert!(close(&agreement["percent_agreement"], 2.0 / 6.0), "{agreement}");
    assert!(close(&agreement["percent_agreement_with_ties"], 2.0 / 6.0));
    assert!(close(&agreement["percent_agreement_without_ties"], 1.0));
    assert_eq!(agreement["n_units_without_ties"].as_u64(), Some(2));
    // The judge: three verdicts; q1-12 (majority a) and q1-32 (majority b) agree; q1-12
    // and q1-21 are the same pair both ways, m1 chosen both times.
    let judge = &report["judge"];
    assert_eq!((judge["n_judged"].as_u64(), judge["n"].as_u64()), (Some(3), Some(2)));
    assert!(close(&judge["agreement"], 1.0));
    assert_eq!(judge["n_both_orders"].as_u64(), Some(1));
    assert!(close(&judge["swap_consistency"], 1.0));
}

#[test]
fn report_preference_slices_anchors_and_prints_every_format() {
    let sandbox = store();
    let out = sandbox.ok(&[
        "report",
        "preference",
        "--format",
        "json",
        "--replicates",
        "50",
        "--by",
        "lang",
        "--anchor",
        "m3",
    ]);
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["anchor"], "m3");
    let m3 = report["ratings"].as_array().unwrap().iter().find(|r| r["model"] == "m3").unwrap();
    assert!(close(&m3["score"], 1000.0));
    let slices = report["slices"].as_array().unwrap();
    let values: Vec<&str> = slices.iter().map(|slice| slice["value"].as_str().unwrap()).collect();
    assert_eq!(values, ["de", "en"]);
    // q4 is German: m2 vs m3 and m1 vs m3, four votes.
    assert_eq!(slices[0]["n_votes"].as_u64(), Some(4));
    assert_eq!(slices[0]["anchor"], "m3");
    let table = sandbox.ok(&["report", "preference", "--replicates", "50"]);
    assert!(table.contains("Position bias") && table.contains("m1") && table.contains("8 decisive votes"), "{table}");
    let csv = sandbox.ok(&["report", "preference", "--replicates", "50", "--format", "csv"]);
    assert!(csv.starts_with("slice,statistic,subject,value,ci_low,ci_high,n,note\n"), "{csv}");
    assert!(csv.contains(",win_rate,m1 vs m2,0.666"), "{csv}");
    let md = sandbox.ok(&["report", "preference", "--replicates", "50", "--format", "md"]);
    assert!(md.contains("| m1"), "{md}");
    let unknown = sandbox.fails(&["report", "preference", "--anchor", "gpt-9"]);
    assert!(unknown.contains("--anchor `gpt-9` is not a contender; contenders: m1, m2, m3"), "{unknown}");
}

#[test]
fn report_preference_needs_a_preference_criterion() {
    let sandbox = Sandbox::with_sample_labels();
    let err = sandbox.fails(&["report", "preference"]);
    assert!(err.contains("rubric `rag-answer-quality` has no preference criterion"), "{err}");
    // A preference rubric without votes says so.
    let empty = Sandbox::with_store();
    empty.write("pairwise.toml", RUBRIC);
    empty.write("pairwise.md", "Pick.\n");
    empty.ok(&["rubric", "add", "pairwise.toml"]);
    let table = empty.ok(&["report", "preference"]);
    assert!(table.contains("No votes on comparison items under criterion pref"), "{table}");
    let json: Value = serde_json::from_str(&empty.ok(&["report", "preference", "--format", "json"])).unwrap();
    assert_eq!((json["n_votes"].as_u64(), json["pairs"].as_array().map(Vec::len)), (Some(0), Some(0)));
    assert!(json["agreement"].is_null() && json["judge"].is_null());
}

#[test]
fn gate_min_win_rate_checks_the_lower_bound_of_the_pooled_win_rate() {
    let sandbox = store();
    let pass = sandbox.run(&["gate", "--min-win-rate", "m1=0.2", "--replicates", "200"]);
    let stdout = String::from_utf8_lossy(&pass.stdout);
    assert_eq!(pass.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("PASS m1: win rate CI low"), "{stdout}");
    let fail = sandbox.run(&["gate", "--min-win-rate", "m1=0.99", "--replicates", "200", "--format", "json"]);
    assert_eq!(fail.status.code(), Some(1));
    let verdict: Value = serde_json::from_slice(&fail.stdout).unwrap();
    assert_eq!(verdict["checks"][0]["statistic"], "win rate CI low");
    assert_eq!(verdict["checks"][0]["passed"], false);
    let missing = sandbox.run(&["gate", "--min-win-rate", "gpt-9=0.5"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stdout).contains("no votes on `gpt-9`"));
    let usage = sandbox.run(&["gate", "--min-win-rate", "0.5"]);
    assert_eq!(usage.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&usage.stderr).contains("needs a contender"));
}

#[test]
fn report_preference_on_the_bundled_pairwise_sample_matches_its_readme() {
    // sample_data/README.md's table and left-side shares, recorded through labels
    // import's left column.
    let sandbox = Sandbox::with_store();
    sandbox.ok(&["import", &common::repo("sample_data/pairwise_items.jsonl")]);
    sandbox.ok(&["rubric", "add", &common::repo("guidelines/pairwise-preference.toml")]);
    sandbox.ok(&["labels", "import", &common::repo("sample_data/pairwise_labels.csv")]);
    let out = sandbox.ok(&["report", "preference", "--format", "json", "--replicates", "100"]);
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!((report["n_votes"].as_u64(), report["n_prompts"].as_u64()), (Some(714), Some(80)));
    let counts: Vec<[u64; 4]> = report["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|pair| ["wins_a", "wins_b", "ties", "both_bad"].map(|key| pair[key].as_u64().unwrap()))
        .collect();
    assert_eq!(counts, [[53, 138, 33, 16], [59, 130, 35, 16], [69, 51, 77, 37]]);
    let raters: Vec<(String, u64, f64)> = report["position_bias"]["raters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (r["rater"].as_str().unwrap().to_string(), r["n"].as_u64().unwrap(), r["left_share"].as_f64().unwrap())
        })
        .collect();
    let expected = [("ana", 136, 73.0 / 136.0), ("ben", 167, 95.0 / 167.0), ("chloe", 197, 151.0 / 197.0)];
    for ((rater, n, share), (name, count, left)) in raters.iter().zip(expected) {
        assert_eq!((rater.as_str(), *n), (name, count));
        assert!((share - left).abs() < 1e-12);
    }
    assert_eq!(report["position_bias"]["no_side"].as_u64(), Some(0));
    // v2 is clearly better than v1: ranked first, its interval wholly above v1's.
    let ratings = report["ratings"].as_array().unwrap();
    assert_eq!(ratings[0]["model"], "assistant-v2");
    assert_eq!(ratings[2]["model"], "assistant-v1");
    assert!(ratings[0]["ci"][0].as_f64().unwrap() > ratings[2]["ci"][1].as_f64().unwrap());
}
