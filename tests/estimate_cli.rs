//! `tally estimate` through the built binary: PPI and PPI++ on a small store whose numbers
//! are those of `stats::ppi`'s worked example, the validity filter (honeypots and items
//! only a reviewer adjudicated are not labeled samples), the judge probability, the
//! formats, usage errors, and the bundled sample data.

mod common;

use common::{Sandbox, repo};
use serde_json::Value;

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

fn close(actual: &Value, expected: f64) {
    let actual = actual.as_f64().unwrap_or_else(|| panic!("{actual} is not a number"));
    assert!((actual - expected).abs() < 1e-9, "{actual} != {expected}");
}

const RUBRIC: &str = r#"
name = "mini"
version = 1

[[criteria]]
id = "correct"
kind = "binary"
options = [ { value = "pass", key = "y" }, { value = "fail", key = "n" } ]

[[criteria]]
id = "helpfulness"
kind = "ordinal"
options = [ { value = "1", key = "1" }, { value = "2", key = "2" }, { value = "3", key = "3" } ]
"#;

/// The judge's probability of failing (1 - correct_prob) is, on l1-l8,
/// 0.9 0.2 0.7 0.6 0.4 0.1 0.8 0.3 and on u1-u10 0.8 0.1 0.5 0.9 0.3 0.2 0.7 0.6 0.4 0.9:
/// the `a_mixed_judge_against_ppi_py_formulas` data of `stats::ppi`. r1 has no judge
/// score and only a reviewer's adjudication.
const ITEMS: &str = r#"{"id": "l1", "output": "o", "metadata": {"model": "m1"}, "judge": {"correct": "fail", "correct_prob": 0.1}}
{"id": "l2", "output": "o", "metadata": {"model": "m1"}, "judge": {"correct": "pass", "correct_prob": 0.8}}
{"id": "l3", "output": "o", "metadata": {"model": "m1"}, "judge": {"correct": "fail", "correct_prob": 0.3}}
{"id": "l4", "output": "o", "metadata": {"model": "m1"}, "judge": {"correct": "fail", "correct_prob": 0.4}}
{"id": "l5", "output": "o", "metadata": {"model": "m2"}, "judge": {"correct": "pass", "correct_prob": 0.6}}
{"id": "l6", "output": "o", "metadata": {"model": "m2"}, "judge": {"correct": "pass", "correct_prob": 0.9}}
{"id": "l7", "output": "o", "metadata": {"model": "m2"}, "judge": {"correct": "fail", "correct_prob": 0.2}}
{"id": "l8", "output": "o", "metadata": {"model": "m2"}, "judge": {"correct": "pass", "correct_prob": 0.7}}
{"id": "u1", "output": "o", "metadata": {"model": "m1"}, "judge": {"correct": "fail", "correct_prob": 0.2}}
{"id": "u2", "output": "o", "metadata": {"model": "m1"}, "judge": {"correct": "pass", "correct_prob": 0.9}}
{"id": "u3", "output": "o", "metadata": {"model": "m1"}, "judge": {"correct": "fail", "correct_prob": 0.5}}
{"id": "u4", "output": "o", "metadata": {"model": "m1"}, "judge": {"correct": "fail", "correct_prob": 0.1}}
{"id": "u5", "output": "o", "metadata": {"model": "m1"}, "judge": {"correct": "pass", "correct_prob": 0.7}}
{"id": "u6", "output": "o", "metadata": {"model": "m2"}, "judge": {"correct": "pass", "correct_prob": 0.8}}
{"id": "u7", "output": "o", "metadata": {"model": "m2"}, "judge": {"correct": "fail", "correct_prob": 0.3}}
{"id": "u8", "output": "o", "metadata": {"model": "m2"}, "judge": {"correct": "fail", "correct_prob": 0.4}}
{"id": "u9", "output": "o", "metadata": {"model": "m2"}, "judge": {"correct": "pass", "correct_prob": 0.6}}
{"id": "u10", "output": "o", "metadata": {"model": "m2"}, "judge": {"correct": "fail", "correct_prob": 0.1}}
{"id": "r1", "output": "o", "metadata": {"model": "m1"}}
"#;

/// One rater, so each item's consensus is hers. h1 is a honeypot: labeled, but chosen for
/// its known answer; were it counted, the human estimate would be 5/9, not 4/8.
const LABELS: &str = "item,rater,criterion,value
l1,ana,correct,fail
l2,ana,correct,pass
l3,ana,correct,fail
l4,ana,correct,fail
l5,ana,correct,pass
l6,ana,correct,pass
l7,ana,correct,fail
l8,ana,correct,pass
h1,ana,correct,fail
";

fn store() -> Sandbox {
    let sandbox = Sandbox::with_store();
    sandbox.ok(&["import", &sandbox.write("items.jsonl", ITEMS).display().to_string()]);
    sandbox.ok(&["rubric", "add", &sandbox.write("mini.toml", RUBRIC).display().to_string()]);
    let pots = sandbox.write("pots.jsonl", "{\"id\": \"h1\", \"output\": \"o\", \"gold\": {\"correct\": \"fail\"}}\n");
    sandbox.ok(&[
        "batch",
        "create",
        "b1",
        "--rubric",
        "mini",
        "--raters",
        "ana",
        "--overlap",
        "1",
        "--honeypots",
        &pots.display().to_string(),
        "--honeypot-rate",
        "0.1",
    ]);
    sandbox.ok(&["labels", "import", &sandbox.write("labels.csv", LABELS).display().to_string()]);
    sandbox.ok(&["adjudicate", "r1", "correct", "fail", "--why", "picked out in review"]);
    sandbox
}

#[test]
fn ppi_and_ppi_plus_plus_match_the_worked_example_and_leave_chosen_items_out() {
    let sandbox = store();
    let report = json(&sandbox.ok(&["estimate", "--criterion", "correct", "--format", "json"]));
    let validity = &report["validity"];
    assert_eq!(validity["labeled_items"], 9);
    assert_eq!(validity["qualifying_items"], 8);
    assert_eq!(validity["honeypots_left_out"], 1);
    assert_eq!(validity["adjudicated_only_left_out"], 1);
    // 8 qualifying items is a small sample: said so.
    assert!(report["warnings"].as_array().unwrap().iter().any(|w| w.as_str().unwrap().contains("only 8 labeled")));

    let criteria = report["criteria"].as_array().unwrap();
    assert_eq!(criteria.len(), 1);
    let correct = &criteria[0];
    assert_eq!(correct["measure"], "failure_rate");
    assert_eq!(correct["value"], "fail");
    assert_eq!(correct["slice"], "all");
    assert_eq!(correct["judge_key"], "correct_prob");
    // Expected values: stats::ppi's a_mixed_judge_against_ppi_py_formulas.
    let human = &correct["human"];
    close(&human["estimate"], 0.5);
    close(&human["ci"][0], 0.15352404391258068);
    close(&human["ci"][1], 0.8464759560874193);
    assert_eq!((human["n_labeled"].as_u64(), human["n_unlabeled"].as_u64()), (Some(8), Some(0)));
    let ppi = &correct["ppi"];
    close(&ppi["estimate"], 0.54);
    close(&ppi["ci"][0], 0.28584624718495366);
    close(&ppi["ci"][1], 0.7941537528150464);
    assert_eq!((ppi["n_labeled"].as_u64(), ppi["n_unlabeled"].as_u64()), (Some(8), Some(10)));
    let plus = &correct["ppi_plus_plus"];
    close(&plus["estimate"], 0.534950657894737);
    close(&plus["ci"][0], 0.2810425647967855);
    close(&plus["ci"][1], 0.7888587509926883);
    close(&correct["lambda"], 0.8737664473684212);
    close(&correct["effective_n"], 14.896460968366153);
    // The judge alone: its mean over all 18 judged items (biased in general).
    let judge = &correct["judge"];
    close(&judge["estimate"], 9.4 / 18.0);
    assert_eq!((judge["n_labeled"].as_u64(), judge["n_unlabeled"].as_u64()), (Some(0), Some(18)));
}

#[test]
fn method_picks_the_estimates_and_by_slices_them() {
    let sandbox = store();
    let report = json(&sandbox.ok(&["estimate", "--method", "ppi++", "--by", "model", "--format", "json"]));
    assert_eq!(report["method"], "ppi++");
    let criteria = report["criteria"].as_array().unwrap();
    let slices: Vec<&str> =
        criteria.iter().filter(|c| c["criterion"] == "correct").map(|c| c["slice"].as_str().unwrap()).collect();
    assert_eq!(slices, ["m1", "m2"]);
    for criterion in criteria {
        assert!(criterion["human"].is_null() && criterion["judge"].is_null() && criterion["ppi"].is_null());
    }
    // m1: 4 labeled (3 fail) and 5 unlabeled judged items.
    let m1 = &criteria[0];
    assert_eq!(m1["ppi_plus_plus"]["n_labeled"], 4);
    assert_eq!(m1["ppi_plus_plus"]["n_unlabeled"], 5);
    // helpfulness has neither labels nor judge scores: no estimate, but a row.
    let helpfulness = criteria.iter().find(|c| c["criterion"] == "helpfulness").unwrap();
    assert_eq!(helpfulness["measure"], "mean");
    assert!(helpfulness["ppi_plus_plus"].is_null());
}

#[test]
fn the_table_fits_80_columns_and_csv_has_long_rows() {
    let sandbox = store();
    let table = sandbox.ok(&["estimate"]);
    assert!(table.contains("ppi++ λ 0.87"), "{table}");
    assert!(table.contains("judge (biased)"), "{table}");
    for line in table.lines() {
        assert!(line.chars().count() <= 80, "too wide: {line}");
    }
    let csv = sandbox.ok(&["estimate", "--criterion", "correct", "--format", "csv"]);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("slice,criterion,measure,method,estimate,ci_low,ci_high,n_labeled,n_unlabeled,lambda,effective_n")
    );
    let methods: Vec<&str> = lines.map(|line| line.split(',').nth(3).unwrap()).collect();
    assert_eq!(methods, ["human", "judge", "ppi", "ppi_plus_plus"]);
    let markdown = sandbox.ok(&["estimate", "--format", "md"]);
    assert!(markdown.contains("| correct=fail |"), "{markdown}");
}

#[test]
fn the_judge_is_the_same_on_both_sets() {
    let sandbox = store();
    // An item of another dataset has a judge value but no probability: over every
    // dataset the probability cannot be used for all items, so none use it.
    let extra =
        sandbox.write("extra.jsonl", "{\"id\": \"x1\", \"output\": \"o\", \"judge\": {\"correct\": \"pass\"}}\n");
    sandbox.ok(&["import", &extra.display().to_string()]);
    let all = json(&sandbox.ok(&["estimate", "--criterion", "correct", "--format", "json"]));
    assert_eq!(all["criteria"][0]["judge_key"], "correct");
    assert!(all["warnings"].as_array().unwrap().iter().any(|w| w.as_str().unwrap().contains("correct_prob")));
    let items = json(&sandbox.ok(&["estimate", "--criterion", "correct", "--dataset", "items", "--format", "json"]));
    assert_eq!(items["criteria"][0]["judge_key"], "correct_prob");
    close(&items["criteria"][0]["ppi_plus_plus"]["estimate"], 0.534950657894737);
}

#[test]
fn usage_errors_exit_2_and_name_what_exists() {
    let sandbox = store();
    let output = sandbox.run(&["estimate", "--criterion", "nope"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--criterion nope") && stderr.contains("correct, helpfulness"), "{stderr}");
    let stderr = sandbox.fails(&["estimate", "--ci", "1.5"]);
    assert!(stderr.contains("--ci must be between 0 and 1"), "{stderr}");
}

#[test]
fn the_bundled_data_has_no_unlabeled_items_and_says_so() {
    let sandbox = Sandbox::with_store();
    sandbox.ok(&["import", &repo("sample_data/rag_items.jsonl")]);
    sandbox.ok(&["rubric", "add", &repo("guidelines/rag-answer-quality.toml")]);
    sandbox.ok(&["labels", "import", &repo("sample_data/rag_labels.csv")]);
    let report = json(&sandbox.ok(&["estimate", "--format", "json"]));
    assert_eq!(report["validity"]["qualifying_items"], 160);
    assert!(report["warnings"].as_array().unwrap().iter().any(|w| w.as_str().unwrap().contains("nothing for PPI")));
    let correct = &report["criteria"][0];
    assert_eq!(correct["judge_key"], "correct_prob");
    assert!(correct["human"]["estimate"].is_number());
    assert!(correct["ppi"].is_null());
}

#[test]
fn plan_rate_prints_n_and_n_with_judge_with_its_assumptions() {
    let sandbox = Sandbox::new();
    let plan = json(&sandbox.ok(&["plan", "rate", "--half-width", "0.05", "--rho", "0.6", "--format", "json"]));
    // 1.959964² · 0.25 / 0.05² = 384.15; times (1 - 0.6²) = 245.85.
    assert_eq!(plan["n"], 385);
    assert_eq!(plan["n_with_judge"], 246);
    assert_eq!(plan["assumptions"]["p"], 0.5);
    assert_eq!(plan["assumptions"]["rho"], 0.6);
    let plan = json(&sandbox.ok(&["plan", "rate", "--half-width", "0.03", "--p", "0.2", "--format", "json"]));
    assert_eq!(plan["n"], 683);
    assert!(plan.get("n_with_judge").is_none());
    let table = sandbox.ok(&["plan", "rate", "--half-width", "0.05", "--rho", "0.6"]);
    assert!(table.contains("humans plus the judge (PPI++)  246"), "{table}");
    let stderr = sandbox.fails(&["plan", "rate", "--half-width", "0"]);
    assert!(stderr.contains("--half-width must be above 0"), "{stderr}");
}

#[test]
fn plan_kappa_matches_irr_and_plan_correlation_fisher() {
    let sandbox = Sandbox::new();
    // irr::N.cohen.kappa(0.5, 0.5, 0.85, 0.7) = 116.354 (true 0.85, null 0.7).
    let args = ["plan", "kappa", "--kappa0", "0.7", "--kappa1", "0.85", "--prevalence", "0.5", "--format", "json"];
    let plan = json(&sandbox.ok(&args));
    assert_eq!(plan["n"], 117);
    assert_eq!(plan["assumptions"]["sides"], 1);
    assert_eq!(plan["assumptions"]["kappa0"], 0.7);
    // Two-sided: N.cohen.kappa(0.3, 0.3, 0.6, 0.4, twosided = TRUE) = 180.10.
    let args = ["plan", "kappa", "--kappa0", "0.4", "--kappa1", "0.6", "--prevalence", "0.3", "--sides", "2"];
    let plan = json(&sandbox.ok(&[&args[..], &["--format", "json"]].concat()));
    assert_eq!(plan["n"], 181);
    let plan = json(&sandbox.ok(&["plan", "correlation", "--r", "0.5", "--half-width", "0.1", "--format", "json"]));
    assert_eq!(plan["n"], 219);
    // A kappa the margins cannot reach is refused, saying why.
    let stderr = sandbox.fails(&["plan", "kappa", "--kappa0", "0.1", "--kappa1", "0.5", "--prevalence", "1.2"]);
    assert!(stderr.contains("--prevalence must be between 0 and 1"), "{stderr}");
}

#[test]
fn compare_takes_slice_b_from_slice_a_with_added_variances() {
    let sandbox = store();
    let args = ["estimate", "--criterion", "correct", "--compare", "model=m1,m2", "--format", "json"];
    let report = json(&sandbox.ok(&args));
    let comparison = &report["comparison"];
    assert_eq!((comparison["field"].as_str(), comparison["a"].as_str()), (Some("model"), Some("m1")));
    let correct = &comparison["criteria"][0];
    // Humans: m1 (l1-l4) fail 3 of 4, m2 (l5-l8) 1 of 4. se of each sqrt(0.75 · 0.25 / 4);
    // half-width 1.959964 · sqrt(2 · 0.046875) = 0.6001130.
    let human = &correct["human"];
    close(&human["a"], 0.75);
    close(&human["b"], 0.25);
    close(&human["estimate"], 0.5);
    let half = 1.959963984540054 * (2.0f64 * 0.046875).sqrt();
    close(&human["ci"][0], 0.5 - half);
    close(&human["ci"][1], 0.5 + half);
    // PPI++: the same estimates as --by model, differenced.
    let by = json(&sandbox.ok(&["estimate", "--criterion", "correct", "--by", "model", "--format", "json"]));
    let (m1, m2) = (&by["criteria"][0]["ppi_plus_plus"], &by["criteria"][1]["ppi_plus_plus"]);
    let expected = m1["estimate"].as_f64().unwrap() - m2["estimate"].as_f64().unwrap();
    close(&correct["ppi_plus_plus"]["estimate"], expected);
    let se = (m1["se"].as_f64().unwrap().powi(2) + m2["se"].as_f64().unwrap().powi(2)).sqrt();
    close(&correct["ppi_plus_plus"]["ci"][1], expected + 1.959963984540054 * se);
    let table = sandbox.ok(&["estimate", "--compare", "model=m1,m2"]);
    assert!(table.contains("model = m1 (A) against m2 (B)"), "{table}");
    assert!(table.lines().all(|line| line.chars().count() <= 80), "{table}");
    // A slice that is not there is a usage error naming those that are.
    let output = sandbox.run(&["estimate", "--compare", "model=m1,m9"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("model = `m9`") && stderr.contains("m1, m2"), "{stderr}");
}

#[test]
fn gate_fails_when_the_upper_bound_of_the_rate_exceeds_the_limit() {
    let sandbox = store();
    // PPI++'s interval of the failure rate is 0.281 to 0.789 (the worked example).
    let output = sandbox.run(&["gate", "--max-rate", "correct=fail:0.8"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("PASS correct: ppi++ rate of fail CI high 0.789 <= 0.8"), "{stdout}");
    let output = sandbox.run(&["gate", "--max-rate", "correct=fail:0.7", "--estimate", "ppi++"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("FAIL correct: ppi++ rate of fail CI high 0.789 > 0.7 (by 0.089)"), "{stdout}");
    // The humans alone are less sure: 0.846 > 0.8.
    let output = sandbox.run(&["gate", "--max-rate", "correct=fail:0.8", "--estimate", "human"]);
    assert_eq!(output.status.code(), Some(1));
    // A rate is of the failing option; the judge alone is no estimate to gate on.
    let output = sandbox.run(&["gate", "--max-rate", "correct=pass:0.8"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("failing option, `fail`"));
    let output = sandbox.run(&["gate", "--max-rate", "correct=fail:0.8", "--estimate", "judge"]);
    assert_eq!(output.status.code(), Some(2));
    let output = sandbox.run(&["gate", "--max-rate", "correct=fail"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn plan_rate_from_store_takes_p_and_rho_from_the_pilot() {
    let sandbox = store();
    let args = ["plan", "rate", "--half-width", "0.1", "--from-store", "--criterion", "correct", "--format", "json"];
    let plan = json(&sandbox.ok(&args));
    // The humans' rate on the 8 qualifying items is 0.5; the judge correlates
    // r = 0.9128709 with them: 96.04 labels alone, 96.04 · (1 - r²) = 16.006 with it.
    assert_eq!(plan["assumptions"]["p"], 0.5);
    close(&plan["assumptions"]["rho"], 0.9128709291752768);
    assert_eq!(plan["assumptions"]["pilot_labeled_items"], 8);
    assert_eq!(plan["n"], 97);
    assert_eq!(plan["n_with_judge"], 17);
    // Given values win over the pilot's.
    let plan =
        json(&sandbox.ok(&["plan", "rate", "--half-width", "0.1", "--from-store", "--p", "0.2", "--format", "json"]));
    assert_eq!(plan["assumptions"]["p"], 0.2);
    let stderr = sandbox.fails(&["plan", "rate", "--half-width", "0.1", "--from-store", "--criterion", "helpfulness"]);
    assert!(stderr.contains("no binary criterion `helpfulness` (binary: correct)"), "{stderr}");
}

#[test]
fn plan_alpha_simulates_from_the_pilot_in_the_store() {
    let sandbox = Sandbox::with_store();
    sandbox.ok(&["import", &repo("sample_data/rag_items.jsonl")]);
    sandbox.ok(&["rubric", "add", &repo("guidelines/rag-answer-quality.toml")]);
    sandbox.ok(&["labels", "import", &repo("sample_data/rag_labels.csv")]);
    let args = ["plan", "alpha", "--half-width", "0.1", "--criterion", "correct", "--format", "json"];
    let two = json(&sandbox.ok(&args));
    assert_eq!(two, json(&sandbox.ok(&args)), "seeded: the same plan twice");
    let assumptions = &two["assumptions"];
    assert_eq!(assumptions["level"], "nominal");
    assert_eq!(assumptions["pilot_units"], 160);
    assert!(assumptions["simulated_half_width"].as_f64().unwrap() <= 0.1);
    // The pilot's own alpha is what report agreement prints.
    let agreement = json(&sandbox.ok(&["report", "agreement", "--replicates", "0", "--format", "json"]));
    let correct = agreement["criteria"].as_array().unwrap().iter().find(|c| c["criterion"] == "correct").unwrap();
    close(&assumptions["pilot_alpha"], correct["alpha"].as_f64().unwrap());
    // Three raters per item need fewer items than two.
    let three = json(&sandbox.ok(&[&args[..], &["--raters", "3"]].concat()));
    assert!(three["n"].as_u64() < two["n"].as_u64(), "{three} vs {two}");
    let table = sandbox.ok(&["plan", "alpha", "--half-width", "0.1", "--criterion", "correct"]);
    assert!(table.lines().all(|line| line.chars().count() <= 80), "{table}");
}

#[test]
fn report_all_has_an_estimates_section_when_ppi_applies() {
    let sandbox = store();
    let md = sandbox.ok(&["report", "all", "--format", "md", "--replicates", "0"]);
    let sections: Vec<&str> = md.lines().filter_map(|line| line.strip_prefix("## ")).collect();
    assert_eq!(sections, ["Summary", "Agreement", "Judge", "Errors", "Estimates", "Raters", "Progress"]);
    assert!(md.contains("| correct=fail | human |") && md.contains("ppi++ λ 0.87"), "{md}");
    let html = sandbox.ok(&["report", "all", "--format", "html", "--replicates", "0"]);
    assert!(html.contains("<h2>Estimates</h2>"), "{html}");
    // The summary's --max-rate check reads the estimates section's PPI++ interval, as the gate does.
    let md = sandbox.ok(&["report", "all", "--format", "md", "--replicates", "0", "--max-rate", "correct=fail:0.01"]);
    let gate = sandbox.run(&["gate", "--max-rate", "correct=fail:0.01"]);
    let line = String::from_utf8(gate.stdout).unwrap().lines().next().unwrap().to_string();
    let value = line.split("CI high ").nth(1).unwrap().split(' ').next().unwrap();
    assert!(line.starts_with("FAIL correct: ppi++ rate of fail CI high"), "{line}");
    assert!(
        md.contains(&format!("| FAIL | correct | ppi++ rate of fail CI high | {value} | max 0.01 |")),
        "{line}\n{md}"
    );
    // Sliced by --by, the check is still on the whole scope's rate.
    let args =
        ["report", "all", "--format", "md", "--replicates", "0", "--max-rate", "correct=fail:0.01", "--by", "model"];
    let md = sandbox.ok(&args);
    let wanted = format!("| FAIL | correct | ppi++ rate of fail CI high | {value} | max 0.01 |");
    assert!(md.contains(&wanted), "{line}\n{md}");
}

/// Judge values of every JSON type, `_prob` values that are no probability, and
/// metadata that is not a string: the figures `estimate` gives for them are pinned (the
/// snapshot was made before judge scores were read with SQLite's `->`, and must not move).
const ODD_ITEMS: &str = r#"{"id": "o1", "output": "o", "metadata": {"model": 2}, "judge": {"correct": true, "correct_prob": "0.4", "helpfulness": "3"}}
{"id": "o2", "output": "o", "metadata": {"model": null}, "judge": {"correct": false, "correct_prob": 1.5, "helpfulness": 2.0}}
{"id": "o3", "output": "o", "metadata": {}, "judge": {"correct": null, "helpfulness": {"x": 1}}}
{"id": "o4", "output": "o", "metadata": {"model": true}, "judge": {"correct": "fail", "correct_prob": 0.25, "helpfulness": 1}}
{"id": "o5", "output": "o", "metadata": {"model": "v1"}, "judge": {"correct": "pass", "correct_prob": 0.75, "helpfulness": "2"}}
{"id": "o6", "output": "o", "metadata": {"model": "v1"}, "judge": {"correct": "fail", "helpfulness": 3}}
{"id": "o7", "output": "o", "metadata": {"model": 2}, "judge": {"correct": 1, "correct_prob": 0, "helpfulness": 2}}
{"id": "o8", "output": "o", "metadata": {"model": "v1"}, "judge": {"correct": "fail", "correct_prob": 0.6, "helpfulness": 5}}
{"id": "o9", "output": "o", "metadata": {"model": 2}, "judge": {"correct_prob": 0.1}}
{"id": "o10", "output": "o", "metadata": {"model": "v1"}, "judge": {}}
{"id": "o11", "output": "o", "metadata": {"model": "v1"}, "judge": {"correct": "pass", "correct_prob": 0.9, "helpfulness": 1}}
{"id": "o12", "output": "o", "metadata": {"model": 2}, "judge": {"correct": "fail", "correct_prob": 0.3, "helpfulness": 3}}
"#;

const ODD_LABELS: &str = "item,rater,criterion,value
o1,ana,correct,fail
o1,ana,helpfulness,3
o2,ana,correct,pass
o2,ana,helpfulness,2
o4,ana,correct,fail
o4,ana,helpfulness,1
o6,ana,correct,pass
o6,ana,helpfulness,3
o8,ana,correct,fail
o8,ana,helpfulness,2
o10,ana,correct,pass
o10,ana,helpfulness,1
o12,ana,correct,pass
";

#[test]
fn odd_judge_values_and_metadata_give_the_figures_they_always_gave() {
    let sandbox = Sandbox::with_store();
    sandbox.ok(&["import", &sandbox.write("odd.jsonl", ODD_ITEMS).display().to_string()]);
    sandbox.ok(&["rubric", "add", &sandbox.write("mini.toml", RUBRIC).display().to_string()]);
    sandbox.ok(&["labels", "import", &sandbox.write("labels.csv", ODD_LABELS).display().to_string()]);
    let mut outputs = String::new();
    for args in [
        &["estimate", "--format", "json"][..],
        &["estimate", "--by", "model", "--format", "json"],
        &["estimate", "--compare", "model=v1,2", "--dataset", "odd", "--format", "json"],
    ] {
        outputs.push_str(&format!("$ tally {}\n{}\n", args.join(" "), sandbox.ok(args)));
    }
    insta::assert_snapshot!(outputs);
}

/// Items imported after batch `early` was made, in a dataset of their own, and batch
/// `late` over them: humans fail m1 of m1-m4 (the judge's probability of passing follows
/// them), n1-n4 are judged only.
const LATE_ITEMS: &str = r#"{"id": "m1", "output": "o", "metadata": {"model": "m3"}, "judge": {"correct": "fail", "correct_prob": 0.2}}
{"id": "m2", "output": "o", "metadata": {"model": "m3"}, "judge": {"correct": "pass", "correct_prob": 0.9}}
{"id": "m3", "output": "o", "metadata": {"model": "m3"}, "judge": {"correct": "pass", "correct_prob": 0.8}}
{"id": "m4", "output": "o", "metadata": {"model": "m3"}, "judge": {"correct": "pass", "correct_prob": 0.7}}
{"id": "n1", "output": "o", "metadata": {"model": "m3"}, "judge": {"correct": "pass", "correct_prob": 0.9}}
{"id": "n2", "output": "o", "metadata": {"model": "m3"}, "judge": {"correct": "pass", "correct_prob": 0.8}}
{"id": "n3", "output": "o", "metadata": {"model": "m3"}, "judge": {"correct": "pass", "correct_prob": 0.9}}
{"id": "n4", "output": "o", "metadata": {"model": "m3"}, "judge": {"correct": "fail", "correct_prob": 0.3}}
"#;

const LATE_LABELS: &str = "item,rater,criterion,value
m1,ana,correct,fail
m2,ana,correct,pass
m3,ana,correct,pass
m4,ana,correct,pass
";

/// [`store`] with its batch renamed `early` (all items of the worked example), and batch
/// `late` over [`LATE_ITEMS`].
fn two_batches() -> Sandbox {
    let sandbox = Sandbox::with_store();
    sandbox.ok(&["import", &sandbox.write("items.jsonl", ITEMS).display().to_string()]);
    sandbox.ok(&["rubric", "add", &sandbox.write("mini.toml", RUBRIC).display().to_string()]);
    let pots = sandbox.write("pots.jsonl", "{\"id\": \"h1\", \"output\": \"o\", \"gold\": {\"correct\": \"fail\"}}\n");
    let (pots, raters) = (pots.display().to_string(), ["--raters", "ana", "--overlap", "1"]);
    let honeypots = ["--honeypots", &pots, "--honeypot-rate", "0.1"];
    sandbox.ok(&[&["batch", "create", "early", "--rubric", "mini"][..], &raters, &honeypots].concat());
    sandbox.ok(&["labels", "import", &sandbox.write("labels.csv", LABELS).display().to_string()]);
    sandbox.ok(&["adjudicate", "r1", "correct", "fail", "--why", "picked out in review"]);
    sandbox.ok(&["import", &sandbox.write("late.jsonl", LATE_ITEMS).display().to_string()]);
    sandbox.ok(&[&["batch", "create", "late", "--rubric", "mini", "--dataset", "late"][..], &raters].concat());
    sandbox.ok(&["labels", "import", &sandbox.write("late.csv", LATE_LABELS).display().to_string()]);
    sandbox
}

#[test]
fn batch_restricts_the_labeled_and_the_judged_items_to_the_batch() {
    let sandbox = two_batches();
    let estimate = |batch: Option<&str>| {
        let mut args = vec!["estimate", "--criterion", "correct", "--format", "json"];
        args.extend(batch.map(|batch| ["--batch", batch]).iter().flatten());
        json(&sandbox.ok(&args))
    };
    // Batch early holds exactly the worked example's items: its figures, not the store's.
    let early = estimate(Some("early"));
    assert_eq!(early["batch"], "early");
    let validity = &early["validity"];
    assert_eq!(
        (validity["qualifying_items"].as_u64(), validity["adjudicated_only_left_out"].as_u64()),
        (Some(8), Some(1))
    );
    let plus = &early["criteria"][0]["ppi_plus_plus"];
    close(&plus["estimate"], 0.534950657894737);
    close(&plus["ci"][1], 0.7888587509926883);
    assert_eq!((plus["n_labeled"].as_u64(), plus["n_unlabeled"].as_u64()), (Some(8), Some(10)));
    close(&early["criteria"][0]["judge"]["estimate"], 9.4 / 18.0);
    // Batch late: 1 fail in 4 labeled items, 4 judged ones.
    let late = estimate(Some("late"));
    let correct = &late["criteria"][0];
    close(&correct["human"]["estimate"], 0.25);
    let plus = &correct["ppi_plus_plus"];
    assert_eq!((plus["n_labeled"].as_u64(), plus["n_unlabeled"].as_u64()), (Some(4), Some(4)));
    assert!(plus["estimate"].as_f64() < early["criteria"][0]["ppi_plus_plus"]["estimate"].as_f64());
    // Without --batch, every item.
    let all = estimate(None);
    assert!(all["batch"].is_null());
    let plus = &all["criteria"][0]["ppi_plus_plus"];
    assert_eq!((plus["n_labeled"].as_u64(), plus["n_unlabeled"].as_u64()), (Some(12), Some(14)));
    let table = sandbox.ok(&["estimate", "--batch", "late"]);
    assert!(table.contains("Estimates: rubric mini v1, batch late"), "{table}");

    // The gate's rate is the batch's: early's upper bound is 0.789, late's lower.
    let gate = |batch: &str| sandbox.run(&["gate", "--max-rate", "correct=fail:0.7", "--batch", batch]);
    let early = gate("early");
    assert_eq!(early.status.code(), Some(1), "{}", String::from_utf8_lossy(&early.stdout));
    let late = gate("late");
    assert_eq!(late.status.code(), Some(0), "{}", String::from_utf8_lossy(&late.stdout));
    // And so are report all's estimates.
    let md = sandbox.ok(&["report", "all", "--batch", "late", "--format", "md", "--replicates", "0"]);
    let estimates = md.split("\n## Estimates\n").nth(1).unwrap().split("\n## ").next().unwrap();
    assert!(estimates.contains("batch late"), "{estimates}");
    assert!(estimates.contains("| correct=fail | human | 0.250 |"), "{estimates}");
    let unknown = sandbox.fails(&["estimate", "--batch", "nope"]);
    assert!(unknown.contains("nope"), "{unknown}");
}

#[test]
fn report_all_by_slices_the_estimates_section() {
    let sandbox = store();
    let md = sandbox.ok(&["report", "all", "--by", "model", "--format", "md", "--replicates", "0"]);
    let estimates = md.split("\n## Estimates\n").nth(1).unwrap().split("\n## ").next().unwrap();
    assert!(estimates.contains("by model"), "{estimates}");
    for slice in ["### model = m1", "### model = m2"] {
        assert!(estimates.contains(slice), "{slice} missing in {estimates}");
    }
    // The same figures as `estimate --by model`: m1's human rate is 3 of 4.
    let m1 = estimates.split("### model = m1").nth(1).unwrap().split("###").next().unwrap();
    assert!(m1.contains("| correct=fail | human | 0.750 |"), "{m1}");
    let html = sandbox.ok(&["report", "all", "--by", "model", "--format", "html", "--replicates", "0"]);
    let estimates = html.split("<h2>Estimates</h2>").nth(1).unwrap().split("<h2>").next().unwrap();
    assert!(estimates.contains("model = m1") && estimates.contains("model = m2"), "{estimates}");
}

/// Ana and Ben on ten items: both fail 3 (l1 l3 l4), both pass 5, and they split on l7
/// and u2. Each fails 4 of 10, so p_o = 0.8, p_e = 0.4² + 0.6² = 0.52 and Cohen's kappa
/// = (0.8 - 0.52) / (1 - 0.52) = 0.58333. Chloe shares only two items with them.
const PAIR_LABELS: &str = "item,rater,criterion,value
l1,ana,correct,fail
l2,ana,correct,pass
l3,ana,correct,fail
l4,ana,correct,fail
l5,ana,correct,pass
l6,ana,correct,pass
l7,ana,correct,fail
l8,ana,correct,pass
u1,ana,correct,pass
u2,ana,correct,pass
l1,ben,correct,fail
l2,ben,correct,pass
l3,ben,correct,fail
l4,ben,correct,fail
l5,ben,correct,pass
l6,ben,correct,pass
l7,ben,correct,pass
l8,ben,correct,pass
u1,ben,correct,pass
u2,ben,correct,fail
l1,chloe,correct,pass
l2,chloe,correct,pass
";

#[test]
fn plan_kappa_from_store_takes_kappa_and_prevalence_from_the_pilot() {
    let sandbox = Sandbox::with_store();
    sandbox.ok(&["import", &sandbox.write("items.jsonl", ITEMS).display().to_string()]);
    sandbox.ok(&["rubric", "add", &sandbox.write("mini.toml", RUBRIC).display().to_string()]);
    sandbox.ok(&["labels", "import", &sandbox.write("labels.csv", PAIR_LABELS).display().to_string()]);
    let plan = json(&sandbox.ok(&["plan", "kappa", "--from-store", "--kappa0", "0.3", "--format", "json"]));
    let assumptions = &plan["assumptions"];
    close(&assumptions["kappa1"], 0.28 / 0.48);
    close(&assumptions["prevalence"], 0.4);
    assert_eq!(assumptions["from_store"], "kappa1, prevalence");
    assert_eq!(assumptions["pilot_raters"], "ana, ben");
    assert_eq!(assumptions["pilot_items"], 10);
    assert_eq!(assumptions["pilot_criterion"], "correct (prevalence: share of fail)");
    // The same plan as with the pilot's figures given.
    let kappa1 = (0.28f64 / 0.48).to_string();
    let given = ["plan", "kappa", "--kappa0", "0.3", "--kappa1", &kappa1, "--prevalence", "0.4", "--format", "json"];
    let given = json(&sandbox.ok(&given));
    assert_eq!(plan["n"], given["n"]);
    close(&assumptions["n_exact"], given["assumptions"]["n_exact"].as_f64().unwrap());
    // A value given wins over the pilot's, and the assumptions say which came from where.
    let args = ["plan", "kappa", "--from-store", "--half-width", "0.1", "--kappa1", "0.9", "--format", "json"];
    let plan = json(&sandbox.ok(&args));
    assert_eq!(plan["assumptions"]["kappa1"], 0.9);
    close(&plan["assumptions"]["pilot_kappa"], 0.28 / 0.48);
    assert_eq!(plan["assumptions"]["from_store"], "prevalence");
    let table = sandbox.ok(&["plan", "kappa", "--from-store", "--kappa0", "0.3"]);
    assert!(table.contains("Plan: testing kappa = 0.3 when it is 0.5833"), "{table}");
    assert!(table.contains("pilot_raters      ana, ben"), "{table}");
    // Without --from-store the pilot's figures must be given; a criterion that is not
    // binary is refused, naming those that are.
    let stderr = sandbox.fails(&["plan", "kappa", "--kappa0", "0.3"]);
    assert!(stderr.contains("--kappa1") && stderr.contains("--prevalence"), "{stderr}");
    let stderr = sandbox.fails(&["plan", "kappa", "--from-store", "--kappa0", "0.3", "--criterion", "helpfulness"]);
    assert!(stderr.contains("no binary criterion `helpfulness` (binary: correct)"), "{stderr}");
}

#[test]
fn plan_kappa_from_store_needs_two_raters_on_one_item() {
    let sandbox = store();
    let stderr = sandbox.fails(&["plan", "kappa", "--from-store", "--kappa0", "0.3"]);
    assert!(stderr.contains("no two raters labeled the same item on `correct` (raters: ana)"), "{stderr}");
}

#[test]
fn plan_kappa_from_store_on_the_bundled_data_uses_report_agreements_kappa() {
    let sandbox = Sandbox::with_sample_labels();
    let plan = json(&sandbox.ok(&["plan", "kappa", "--from-store", "--kappa0", "0.6", "--format", "json"]));
    let assumptions = &plan["assumptions"];
    // Three raters: ben and chloe share the most items on `correct` (148).
    assert_eq!(assumptions["pilot_raters"], "ben, chloe");
    assert_eq!(assumptions["pilot_items"], 148);
    let agreement = json(&sandbox.ok(&["report", "agreement", "--replicates", "0", "--format", "json"]));
    let correct = agreement["criteria"].as_array().unwrap().iter().find(|c| c["criterion"] == "correct").unwrap();
    let pair = correct["pairwise"].as_array().unwrap().iter().find(|p| p["raters"] == json(r#"["ben", "chloe"]"#));
    let pair = pair.unwrap();
    assert_eq!(pair["n"], 148);
    close(&assumptions["kappa1"], pair["cohen_kappa"].as_f64().unwrap());
}

#[test]
fn where_every_item_is_labeled_the_rate_gate_takes_the_human_rate() {
    // The bundled sample: every item has human labels, so no judged item is left for
    // PPI to learn the judge's bias on; the humans' rate (its upper bound 0.330, as
    // `tally estimate` gives it) is the answer, and the gate says it used it.
    let sandbox = Sandbox::with_sample_labels();
    let output = sandbox.run(&["gate", "--max-rate", "correct=fail:0.35"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains(
            "PASS correct: human rate of fail CI high 0.330 <= 0.35; \
             no ppi++ estimate (no unlabeled judged items): the human rate is used"
        ),
        "{stdout}"
    );
    let output = sandbox.run(&["gate", "--max-rate", "correct=fail:0.3", "--estimate", "ppi"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("FAIL correct: human rate of fail CI high 0.330 > 0.3 (by 0.030); no ppi"), "{stdout}");
}
