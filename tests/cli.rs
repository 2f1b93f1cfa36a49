//! The command line, end to end, through the built binary.

mod common;

use common::{Sandbox, repo};
use serde_json::Value;

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

#[test]
fn import_rubric_labels_report_export_twice() {
    let sandbox = Sandbox::with_store();
    let items = repo("sample_data/rag_items.jsonl");
    let out = sandbox.ok(&["import", &items]);
    assert!(out.contains("160 records into dataset `rag_items`: 160 new"), "{out}");
    let out = sandbox.ok(&["import", &items]);
    assert!(out.contains("0 new, 160 unchanged"), "{out}");
    sandbox.ok(&["rubric", "add", &repo("guidelines/rag-answer-quality.toml")]);
    let out = sandbox.ok(&["labels", "import", &repo("sample_data/rag_labels.csv")]);
    assert!(out.contains("1546 recorded"), "{out}");
    // Importing the same labels again records nothing new.
    let out = sandbox.ok(&["labels", "import", &repo("sample_data/rag_labels.csv")]);
    assert!(out.contains("0 recorded, 1546 unchanged"), "{out}");

    let report = json(&sandbox.ok(&["report", "agreement", "--format", "json", "--replicates", "200"]));
    let criteria = report["criteria"].as_array().unwrap();
    let ids: Vec<&str> = criteria.iter().map(|c| c["criterion"].as_str().unwrap()).collect();
    assert_eq!(ids, ["correct", "grounded", "helpfulness", "defects"]);
    for criterion in criteria {
        for key in ["level", "alpha", "ci_low", "ci_high", "n_units", "n_pairable"] {
            assert!(criterion.get(key).is_some(), "{key} missing in {criterion}");
        }
    }
    // The sample data's documented figures (sample_data/README.md, from the Python
    // `krippendorff` package).
    let alpha = |i: usize| format!("{:.3}", criteria[i]["alpha"].as_f64().unwrap());
    assert_eq!((alpha(0).as_str(), alpha(1).as_str(), alpha(2).as_str()), ("0.765", "0.625", "0.698"));
    assert_eq!(criteria[0]["n_units"], 160);

    let first = sandbox.ok(&["export", "--out", "golden/v1.jsonl"]);
    assert!(first.contains("160 items"), "{first}");
    let bytes = std::fs::read(sandbox.path("golden/v1.jsonl")).unwrap();
    let manifest_bytes = std::fs::read(sandbox.path("golden/v1.manifest.json")).unwrap();
    sandbox.ok(&["export", "--out", "golden/v1.jsonl"]);
    assert_eq!(bytes, std::fs::read(sandbox.path("golden/v1.jsonl")).unwrap(), "golden set differs on re-run");
    assert_eq!(manifest_bytes, std::fs::read(sandbox.path("golden/v1.manifest.json")).unwrap());

    let manifest = json(std::str::from_utf8(&manifest_bytes).unwrap());
    assert_eq!(manifest["sha256"], tally::model::sha256_hex(&bytes));
    assert_eq!(manifest["file"], "v1.jsonl");
    assert_eq!(manifest["consensus"], "majority");
    assert_eq!(manifest["counts"]["items"], 160);
    assert_eq!(manifest["rubric"]["name"], "rag-answer-quality");
    assert_eq!(manifest["rubric"]["hash"].as_str().unwrap().len(), 64);

    let line = json(std::str::from_utf8(&bytes).unwrap().lines().next().unwrap());
    assert!(line["labels"]["correct"].is_string(), "{line}");
    assert_eq!(line["consensus"]["correct"]["n"], 3);

    let status = json(&sandbox.ok(&["status", "--format", "json"]));
    assert_eq!(
        (status["items"].as_i64(), status["labels"].as_i64(), status["raters"].as_i64()),
        (Some(160), Some(1546), Some(3))
    );
}

#[test]
fn batch_create_then_labels_count_as_done() {
    let sandbox = Sandbox::with_store();
    sandbox.ok(&["import", &repo("sample_data/rag_items.jsonl"), "--dataset", "rag"]);
    sandbox.ok(&["rubric", "add", &repo("guidelines/rag-answer-quality.toml")]);
    let out = sandbox.ok(&[
        "batch",
        "create",
        "pilot",
        "--rubric",
        "rag-answer-quality",
        "--dataset",
        "rag",
        "--raters",
        "ana,ben,chloe",
        "--overlap",
        "2",
        "--seed",
        "7",
    ]);
    assert!(out.contains("160 items"), "{out}");
    let err = sandbox.fails(&["batch", "create", "pilot", "--rubric", "rag-answer-quality", "--raters", "a"]);
    assert!(err.contains("batch `pilot` already exists"), "{err}");
    let err = sandbox.fails(&[
        "batch",
        "create",
        "p2",
        "--rubric",
        "rag-answer-quality",
        "--raters",
        "a,b",
        "--overlap",
        "3",
    ]);
    assert!(err.contains("overlap must be between 1 and the number of raters (2)"), "{err}");

    sandbox.ok(&["labels", "import", &repo("sample_data/rag_labels.csv")]);
    let batches = json(&sandbox.ok(&["batch", "list", "--format", "json"]));
    let raters = batches["batches"][0]["raters"].as_array().unwrap();
    let total_assigned: i64 = raters.iter().map(|r| r[1].as_i64().unwrap()).sum();
    assert_eq!(total_assigned, 320, "160 items x overlap 2");
    // Imported labels confirm the assigned items those raters labeled.
    assert!(raters.iter().all(|r| r[2].as_i64().unwrap() > 90), "{raters:?}");

    let report =
        json(&sandbox.ok(&["report", "agreement", "--batch", "pilot", "--format", "json", "--replicates", "0"]));
    assert_eq!(report["batch"], "pilot");
    assert_eq!(report["criteria"][0]["ci_low"], Value::Null);
}

#[test]
fn import_errors_name_file_line_and_field_and_change_nothing() {
    let sandbox = Sandbox::with_store();
    let good = sandbox.write("good.jsonl", "{\"id\": \"a\", \"input\": \"q\", \"output\": \"x\"}\n");
    sandbox.ok(&["import", good.to_str().unwrap()]);
    let before = sandbox.ok(&["status", "--format", "json"]);

    let cases: [(&str, &[u8], &str); 5] = [
        (
            "bad.jsonl",
            b"{\"id\": \"b\", \"output\": \"x\"}\n{\"id\": \"c\", \"output\": \n",
            "bad.jsonl:2: invalid JSON",
        ),
        (
            "nooutput.jsonl",
            b"{\"id\": \"b\", \"output\": \"x\"}\n\n{\"id\": \"c\", \"input\": \"q\"}\n",
            "nooutput.jsonl:3: field `output` is missing",
        ),
        ("latin1.jsonl", b"{\"id\": \"b\", \"output\": \"caf\xe9\"}\n", "latin1.jsonl:1: not valid UTF-8"),
        (
            "dup.jsonl",
            b"{\"id\": \"b\", \"output\": \"x\"}\n{\"id\": \"a\", \"input\": \"q\", \"output\": \"changed\"}\n",
            "dup.jsonl:2: field `id`: `a` is already in the store with different content",
        ),
        ("bad.csv", b"id,input,output\nb,q,x\nc,q\n", "bad.csv:3: expected 3 fields like the header, found 2"),
    ];
    for (name, contents, expected) in cases {
        let path = sandbox.write(name, contents);
        let err = sandbox.fails(&["import", path.to_str().unwrap()]);
        assert!(err.contains(expected), "{name}: {err}");
        assert_eq!(sandbox.ok(&["status", "--format", "json"]), before, "{name} changed the store");
    }

    // An id with an escape sequence, quoted back in an error, reaches stderr defused.
    let hostile = sandbox.write("hostile.jsonl", "{\"id\": \"e\\u001b[2J\", \"output\": \"x\"}\n");
    sandbox.ok(&["import", hostile.to_str().unwrap()]);
    let hostile = sandbox.write("hostile.jsonl", "{\"id\": \"e\\u001b[2J\", \"output\": \"y\"}\n");
    let err = sandbox.fails(&["import", hostile.to_str().unwrap()]);
    assert!(err.contains("`e\u{FFFD}[2J` is already in the store") && !err.contains('\u{1b}'), "{err}");
    let dup = sandbox.path("dup.jsonl");
    let out = sandbox.ok(&["import", dup.to_str().unwrap(), "--on-conflict", "skip"]);
    assert!(out.contains("1 new, 0 unchanged, 1 skipped"), "{out}");
    let out = sandbox.ok(&["import", dup.to_str().unwrap(), "--on-conflict", "update"]);
    assert!(out.contains("1 unchanged, 1 updated"), "{out}");
}

#[test]
fn csv_import_with_map_and_judge_columns() {
    let sandbox = Sandbox::with_store();
    let csv = sandbox.write(
        "items.csv",
        "qid,question,completion,ground_truth,contexts,model,judge_helpfulness\n\
         1,How?,Like this.,Exactly so.,\"[\"\"p1\"\",\"\"p2\"\"]\",m1,4\n",
    );
    sandbox.ok(&["import", csv.to_str().unwrap(), "--map", "id=qid", "--dataset", "ds"]);
    let err = sandbox.fails(&["import", csv.to_str().unwrap(), "--map", "output=missing"]);
    assert!(err.contains("items.csv:2: field `missing` (mapped to `output` by --map) is missing"), "{err}");
    let err = sandbox.fails(&["import", csv.to_str().unwrap(), "--map", "outptu=x"]);
    assert!(err.contains("not an item field"), "{err}");
}

#[test]
fn rubric_errors_name_the_file_and_criterion() {
    let sandbox = Sandbox::with_store();
    let bad = sandbox.write(
        "bad.toml",
        "name = \"r\"\nversion = 1\n[[criteria]]\nid = \"ok\"\nkind = \"binary\"\n\
         [[criteria]]\nid = \"stars\"\nkind = \"likert\"\n",
    );
    let err = sandbox.fails(&["rubric", "check", bad.to_str().unwrap()]);
    assert!(err.contains("bad.toml: criterion `stars`: unknown kind `likert`"), "{err}");
    let missing_md = sandbox.write(
        "r.toml",
        "name = \"r\"\nversion = 1\nguidelines = \"r.md\"\n[[criteria]]\nid = \"ok\"\nkind = \"binary\"\n",
    );
    let err = sandbox.fails(&["rubric", "add", missing_md.to_str().unwrap()]);
    assert!(err.contains("guidelines = \"r.md\": cannot read"), "{err}");
    sandbox.write("r.md", "Be kind.");
    sandbox.ok(&["rubric", "add", missing_md.to_str().unwrap()]);
    sandbox.write("r.md", "Be kinder.");
    let err = sandbox.fails(&["rubric", "add", missing_md.to_str().unwrap()]);
    assert!(err.contains("version 1 is already in the store with different content"), "{err}");
    let list = sandbox.ok(&["rubric", "list"]);
    assert!(list.contains("r "), "{list}");
}

#[test]
fn label_import_errors_name_file_line_and_field() {
    let sandbox = Sandbox::with_store();
    sandbox.ok(&["import", &repo("sample_data/rag_items.jsonl")]);
    sandbox.ok(&["rubric", "add", &repo("guidelines/rag-answer-quality.toml")]);
    let before = sandbox.ok(&["status", "--format", "json"]);
    let cases = [
        (
            "item,rater,criterion,value\nq-0001-v1,ana,correct,pass\nq-0001-v1,ana,helpfulness,7\n",
            "labels.csv:3: field `value`: `7` is not an option",
        ),
        (
            "item,rater,criterion,value\nq-9999,ana,correct,pass\n",
            "labels.csv:2: field `item`: no item with id `q-9999`",
        ),
        (
            "item,rater,criterion,value\nq-0001-v1,ana,tone,pass\n",
            "labels.csv:2: field `criterion`: `tone` is not a criterion",
        ),
        ("item,criterion,value\nq-0001-v1,correct,pass\n", "labels.csv:2: field `rater` is missing"),
    ];
    for (contents, expected) in cases {
        let path = sandbox.write("labels.csv", contents);
        let err = sandbox.fails(&["labels", "import", path.to_str().unwrap()]);
        assert!(err.contains(expected), "{err}");
        assert_eq!(sandbox.ok(&["status", "--format", "json"]), before);
    }
    let jsonl = sandbox.write(
        "labels.jsonl",
        "{\"item\": \"q-0001-v1\", \"rater\": \"ana\", \"criterion\": \"defects\", \"value\": [\"hallucination\"]}\n\
         {\"item\": \"q-0001-v1\", \"rater\": \"ana\", \"criterion\": \"helpfulness\", \"value\": 4}\n\
         {\"item\": \"q-0001-v1\", \"rater\": \"ana\", \"criterion\": \"correct\", \"value\": \"fail\"}\n",
    );
    let out = sandbox.ok(&["labels", "import", jsonl.to_str().unwrap()]);
    assert!(out.contains("3 recorded"), "{out}");
}

#[test]
fn agreement_calculator_reproduces_krippendorff_2011() {
    let sandbox = Sandbox::with_store();
    let file = repo("tests/data/krippendorff_2011.csv");
    for (level, expected) in [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)] {
        let result =
            json(&sandbox.ok(&["agreement", &file, "--level", level, "--format", "json", "--replicates", "100"]));
        assert_eq!(format!("{:.3}", result["alpha"].as_f64().unwrap()), format!("{expected:.3}"), "{level}");
        assert_eq!((result["n_units"].as_i64(), result["n_pairable"].as_i64()), (Some(12), Some(40)));
        assert_eq!(result["level"], level);
    }
    let long = sandbox.write("long.csv", "unit,rater,value\nu1,a,yes\nu1,b,yes\nu2,a,no\nu2,b,yes\nu3,a,no\nu3,b,no\n");
    let table = sandbox.ok(&["agreement", long.to_str().unwrap()]);
    assert!(table.contains("nominal"), "{table}");
    let same = sandbox.write("same.csv", "unit,a,b\n1,2,2\n2,2,2\n");
    let result = json(&sandbox.ok(&["agreement", same.to_str().unwrap(), "--format", "json"]));
    assert_eq!(result["alpha"], Value::Null);
    assert!(result["undefined_reason"].as_str().unwrap().contains("no variation"));
}

#[test]
fn store_resolution_and_helpful_errors() {
    let sandbox = Sandbox::with_store();
    let err = sandbox.fails(&["report", "agreement"]);
    assert!(err.contains("no rubric yet"), "{err}");
    let err = sandbox.fails(&["label"]);
    assert!(err.contains("no batch assigns items to `tester`"), "{err}");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tally"))
        .arg("status")
        .current_dir(sandbox.dir.path())
        .env("TALLY_DB", sandbox.path("from-env.db"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no store at") && stderr.contains("from-env.db"), "{stderr}");
    assert!(!sandbox.path("from-env.db").exists());
    let tally = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_tally"))
            .args(args)
            .current_dir(sandbox.dir.path())
            .env("TALLY_DB", sandbox.path("from-env.db"))
            .output()
            .unwrap()
    };
    assert!(tally(&["init"]).status.success());
    assert!(String::from_utf8_lossy(&tally(&["status"]).stdout).contains("from-env.db"));
}

#[test]
fn demo_builds_its_store_without_a_terminal() {
    let sandbox = Sandbox::with_store();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_tally"))
        .args(["demo", "--no-label"])
        .env("TMPDIR", sandbox.dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("160 items; 1546 labels in all"), "{stdout}");
}
