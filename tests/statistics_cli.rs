//! Agreement, judge, correlate and gate through the built binary: the JSON keys scripts
//! depend on, every output format, and the gate's exit codes.

mod common;

use common::{Sandbox, repo};
use serde_json::Value;

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

fn sample_store() -> Sandbox {
    let sandbox = Sandbox::with_store();
    sandbox.ok(&["import", &repo("sample_data/rag_items.jsonl")]);
    sandbox.ok(&["rubric", "add", &repo("guidelines/rag-answer-quality.toml")]);
    sandbox.ok(&["labels", "import", &repo("sample_data/rag_labels.csv")]);
    sandbox
}

#[test]
fn agreement_report_has_the_whole_kappa_family_in_every_format() {
    let sandbox = sample_store();
    let report = json(&sandbox.ok(&["report", "agreement", "--format", "json", "--replicates", "50"]));
    let correct = &report["criteria"][0];
    for key in [
        "criterion",
        "level",
        "alpha",
        "ci_low",
        "ci_high",
        "n_units",
        "n_pairable",
        "percent_agreement",
        "fleiss_kappa",
        "gwet_ac1",
        "gwet_ac2_linear",
        "gwet_ac2_quadratic",
    ] {
        assert!(correct.get(key).is_some(), "{key} missing");
    }
    let pairs = correct["pairwise"].as_array().unwrap();
    assert_eq!(pairs.len(), 3);
    assert_eq!(pairs[0]["raters"], serde_json::json!(["ana", "ben"]));
    for key in ["cohen_kappa", "cohen_kappa_linear", "cohen_kappa_quadratic", "se", "n"] {
        assert!(pairs[0][key].is_number(), "{key} in {}", pairs[0]);
    }
    assert_eq!(correct["leave_one_out"].as_array().unwrap().len(), 3);
    let interval = &correct["intervals"]["fleiss_kappa"];
    assert!(interval[0].as_f64().unwrap() < correct["fleiss_kappa"].as_f64().unwrap());

    let table = sandbox.ok(&["report", "agreement", "--replicates", "50"]);
    for line in table.lines() {
        assert!(line.chars().count() <= 80, "wider than 80 columns: {line}");
    }
    assert!(table.contains("Gwet's AC1") && table.contains("ana ~ ben"), "{table}");
    let csv = sandbox.ok(&["report", "agreement", "--format", "csv", "--replicates", "0"]);
    assert!(csv.starts_with("criterion,statistic,subject,value,ci_low,ci_high,se,n,note\n"), "{csv}");
    assert!(csv.lines().any(|line| line.starts_with("correct,fleiss_kappa,,0.7")), "{csv}");
    let md = sandbox.ok(&["report", "agreement", "--format", "md", "--replicates", "0"]);
    assert!(md.contains("| criterion | level | alpha |"), "{md}");
}

#[test]
fn judge_report_correlates_judge_and_humans() {
    let sandbox = sample_store();
    let report =
        json(&sandbox.ok(&["report", "judge", "--format", "json", "--replicates", "50", "--group-by", "doc_id"]));
    let criteria = report["criteria"].as_array().unwrap();
    let ids: Vec<&str> = criteria.iter().map(|c| c["criterion"].as_str().unwrap()).collect();
    assert_eq!(ids, ["correct", "grounded", "helpfulness"]);
    let helpfulness = &criteria[2];
    assert_eq!(helpfulness["n"], 160);
    assert!(helpfulness["groups_used"].as_u64().unwrap() > 10);
    for (name, key) in [("pearson", "r"), ("spearman", "rho"), ("kendall", "tau_b")] {
        let figures = &helpfulness[name];
        let value = figures[key].as_f64().unwrap();
        assert!(value > 0.3 && value < 0.9, "{name} {value}");
        assert!(figures["p"].as_f64().unwrap() < 1e-6);
        assert!(figures["ci_low"].as_f64().unwrap() < value && value < figures["ci_high"].as_f64().unwrap());
    }
    // The sample judge rates helpfulness about 0.45 above the written quality.
    let bias = helpfulness["bias"].as_f64().unwrap();
    assert!(bias > 0.2 && bias < 0.7, "{bias}");
    assert_eq!(helpfulness["kappa_weights"], "quadratic");
    assert_eq!(helpfulness["confusion"]["labels"].as_array().unwrap().len(), 5);
    let correct = &criteria[0];
    assert!(correct["calibration"]["ece"].as_f64().unwrap() > 0.0);
    assert_eq!(correct["calibration"]["bins"].as_array().unwrap().len(), 10);

    let table = sandbox.ok(&["report", "judge", "--replicates", "50"]);
    for line in table.lines() {
        assert!(line.chars().count() <= 80, "wider than 80 columns: {line}");
    }
    assert!(table.contains("Kendall tau-b") && table.contains("human \\ judge"), "{table}");
}

#[test]
fn correlate_reads_two_columns_and_groups() {
    let sandbox = Sandbox::with_store();
    // R ?cor.test tuna data (Hollander & Wolfe 1973): tau 0.4444444, exact.
    let mut csv = String::from("id,x,y,g\n");
    let x = [44.4, 45.9, 41.9, 53.3, 44.7, 44.1, 50.7, 45.2, 60.1];
    let y = [2.6, 3.1, 2.5, 5.0, 3.6, 4.0, 5.2, 2.8, 3.8];
    for (i, (a, b)) in x.iter().zip(y).enumerate() {
        csv.push_str(&format!("{i},{a},{b},{}\n", i % 2));
    }
    csv.push_str("9,NA,1.0,0\n");
    let file = sandbox.write("tuna.csv", csv);
    let file = file.to_str().unwrap();
    let out = json(&sandbox.ok(&["correlate", file, "--x", "x", "--y", "y", "--group", "g", "--format", "json"]));
    assert_eq!(out["n"], 9);
    assert_eq!(out["skipped"], 1);
    assert_eq!(format!("{:.7}", out["kendall"]["tau_b"].as_f64().unwrap()), "0.4444444");
    assert_eq!(out["kendall"]["p_method"], "exact");
    assert_eq!(format!("{:.7}", out["pearson"]["r"].as_f64().unwrap()), "0.5711816");
    assert_eq!(out["groups_used"], 2);
    assert_eq!(out["grouped"]["groups_total"], 2);
    let table = sandbox.ok(&["correlate", file, "--x", "x", "--y", "y"]);
    assert!(table.contains("Kendall tau-b") && table.contains(" ex "), "{table}");
    // The README's example file gives the same figures.
    let readme = json(&sandbox.ok(&[
        "correlate",
        &repo("tests/data/tuna.csv"),
        "--x",
        "quality",
        "--y",
        "score",
        "--format",
        "json",
    ]));
    assert_eq!(readme["kendall"]["tau_b"], out["kendall"]["tau_b"]);
    let err = sandbox.fails(&["correlate", file, "--x", "x", "--y", "nope"]);
    assert!(err.contains("tuna.csv:1: no column `nope`"), "{err}");
}

#[test]
fn gate_exit_codes_say_what_failed() {
    let sandbox = sample_store();
    // alpha: correct 0.765, grounded 0.625, helpfulness 0.698 (the sample's documented
    // figures), defects (MASI) 0.564.
    let pass = sandbox.run(&["gate", "--min-alpha", "0.55"]);
    assert_eq!(pass.status.code(), Some(0), "{}", String::from_utf8_lossy(&pass.stdout));
    let fail = sandbox.run(&["gate", "--min-alpha", "0.667"]);
    assert_eq!(fail.status.code(), Some(1));
    let out = String::from_utf8(fail.stdout).unwrap();
    assert!(out.contains("FAIL grounded: alpha 0.625 < 0.667 (by 0.042)"), "{out}");
    assert!(out.contains("PASS correct: alpha 0.765 >= 0.667"), "{out}");
    let only = sandbox.run(&["gate", "--min-alpha", "0.667", "--criterion", "correct"]);
    assert_eq!(only.status.code(), Some(0));
    // The interval's low end is stricter than the estimate.
    let low = sandbox.run(&["gate", "--min-alpha", "0.55", "--use-ci-low", "--replicates", "200"]);
    assert_eq!(low.status.code(), Some(1));
    // The judge: helpfulness bias is about +0.4.
    let bias = sandbox.run(&["gate", "--max-judge-bias", "0.3", "--criterion", "helpfulness"]);
    assert_eq!(bias.status.code(), Some(1));
    assert!(String::from_utf8(bias.stdout).unwrap().contains("FAIL helpfulness: judge |bias|"));
    let spearman = sandbox.run(&["gate", "--min-judge-spearman", "0.4"]);
    assert_eq!(spearman.status.code(), Some(0), "{}", String::from_utf8_lossy(&spearman.stdout));
    // Usage errors are neither pass nor fail.
    assert_eq!(sandbox.run(&["gate"]).status.code(), Some(2));
    let unknown = sandbox.run(&["gate", "--min-alpha", "0.5", "--criterion", "nope"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8(unknown.stderr).unwrap().contains("no criterion `nope`"));
}
