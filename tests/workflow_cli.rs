//! Team workflow through the built binary: sampling, listing and showing items.

mod common;

use common::{Sandbox, repo};
use serde_json::Value;

#[test]
fn sample_is_reproducible_stratified_and_lands_in_the_store_or_a_file() {
    let sandbox = Sandbox::new();
    let items = repo("sample_data/rag_items.jsonl");
    let args = ["sample", &items, "--n", "12", "--seed", "5", "--stratify", "model", "--out", "a.jsonl"];
    let out = sandbox.ok(&args);
    assert!(out.contains("read 160 records; 0 filtered out by --where; 0 duplicates; kept 12"), "{out}");
    assert!(out.contains("assistant-v1        80     6"), "{out}");
    let first = std::fs::read(sandbox.path("a.jsonl")).unwrap();
    sandbox.ok(&args);
    assert_eq!(first, std::fs::read(sandbox.path("a.jsonl")).unwrap(), "same seed, same sample");
    // --out alone stores nothing; the file imports like any other.
    assert!(!sandbox.path("tally.db").exists());
    sandbox.ok(&["init"]);
    let imported = sandbox.ok(&["import", "a.jsonl"]);
    assert!(imported.contains("12 new"), "{imported}");

    let stored =
        sandbox.ok(&["sample", &items, "--n", "5", "--where", "topic=security", "--dataset", "security-pilot"]);
    assert!(stored.contains("stored in dataset `security-pilot`: 5 new"), "{stored}");
    let listed: Value =
        serde_json::from_str(&sandbox.ok(&["items", "--dataset", "security-pilot", "--format", "json"])).unwrap();
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 5);
    assert!(listed.iter().all(|item| item["metadata"]["topic"] == "security"));
    let id = listed[0]["id"].as_str().unwrap();
    let shown: Value = serde_json::from_str(&sandbox.ok(&["show", id, "--format", "json"])).unwrap();
    assert_eq!(shown["item"]["id"], id);
    assert!(sandbox.ok(&["show", id]).contains("OUTPUT"));
    let err = sandbox.fails(&["show", "nope"]);
    assert!(err.contains("no item `nope`"), "{err}");
    let err = sandbox.fails(&["sample", &items, "--n", "3", "--where", "topic"]);
    assert!(err.contains("expected FIELD=VALUE"), "{err}");
}

#[test]
fn redaction_on_the_way_in_never_stores_the_original() {
    let sandbox = Sandbox::with_store();
    let file = sandbox.write(
        "pii.jsonl",
        "{\"id\": \"p1\", \"input\": \"I am ana@example.com, call +1 415 555 0100\", \"output\": \"Card 4111 1111 1111 1111 noted; server 10.1.2.3 uses key sk_live_ABCDEF1234567890abcd\", \"customer\": \"bob@example.org\"}\n\
         {\"id\": \"p2\", \"input\": \"Version 1.2.3 on 2024-03-15\", \"output\": \"nothing to hide\"}\n",
    );
    let out = sandbox.ok(&["import", file.to_str().unwrap(), "--redact"]);
    assert!(out.contains("redacted: 2 email, 1 phone, 1 card, 1 ip, 1 key"), "{out}");
    let shown: Value = serde_json::from_str(&sandbox.ok(&["show", "p1", "--format", "json"])).unwrap();
    assert_eq!(shown["item"]["input"], "I am [EMAIL], call [PHONE]");
    assert_eq!(shown["item"]["metadata"]["customer"], "[EMAIL]");
    let untouched: Value = serde_json::from_str(&sandbox.ok(&["show", "p2", "--format", "json"])).unwrap();
    assert_eq!(untouched["item"]["input"], "Version 1.2.3 on 2024-03-15");
    // Not in the store file at all, not even in its write-ahead log.
    for name in ["tally.db", "tally.db-wal"] {
        if let Ok(bytes) = std::fs::read(sandbox.path(name)) {
            let text = String::from_utf8_lossy(&bytes);
            assert!(!text.contains("ana@example.com") && !text.contains("4111 1111"), "{name} holds an original");
        }
    }
    let sampled = sandbox.ok(&["sample", file.to_str().unwrap(), "--n", "2", "--redact", "--out", "s.jsonl"]);
    assert!(sampled.contains("redacted: 2 email"), "{sampled}");
    assert!(!std::fs::read_to_string(sandbox.path("s.jsonl")).unwrap().contains("ana@example.com"));
}

#[test]
fn progress_per_batch_and_rater() {
    let sandbox = Sandbox::with_store();
    sandbox.ok(&["import", &repo("sample_data/rag_items.jsonl")]);
    sandbox.ok(&["rubric", "add", &repo("guidelines/rag-answer-quality.toml")]);
    sandbox.ok(&[
        "batch",
        "create",
        "pilot",
        "--rubric",
        "rag-answer-quality",
        "--raters",
        "ana,ben,zoe",
        "--overlap",
        "2",
    ]);
    sandbox.ok(&["labels", "import", &repo("sample_data/rag_labels.csv")]);
    let report: Value = serde_json::from_str(&sandbox.ok(&["report", "progress", "--format", "json"])).unwrap();
    let rows = report["raters"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    let zoe = rows.iter().find(|row| row["rater"] == "zoe").unwrap();
    assert_eq!((zoe["done"].as_i64(), zoe["open"].as_i64()), (Some(0), zoe["assigned"].as_i64()));
    let ana = rows.iter().find(|row| row["rater"] == "ana").unwrap();
    assert!(ana["done"].as_i64().unwrap() > 0);
    // Imported labels carry no time: no pace to extrapolate from.
    assert_eq!(ana["items_per_hour"], Value::Null);
    let table = sandbox.ok(&["report", "progress", "--batch", "pilot"]);
    assert!(table.contains("pilot  zoe"), "{table}");
}

#[test]
fn honeypots_are_mixed_in_blind_and_scored_per_rater() {
    let sandbox = Sandbox::with_store();
    sandbox.ok(&["import", &repo("sample_data/rag_items.jsonl")]);
    sandbox.ok(&["rubric", "add", &repo("guidelines/rag-answer-quality.toml")]);
    let pots: String = (1..=6)
        .map(|i| {
            format!(
                "{{\"id\": \"hp-{i}\", \"input\": \"q{i}\", \"output\": \"known answer {i}\", \"gold\": {{\"correct\": \"{}\"}}}}\n",
                if i % 2 == 0 { "pass" } else { "fail" }
            )
        })
        .collect();
    let file = sandbox.write("pots.jsonl", pots);
    let out = sandbox.ok(&[
        "batch",
        "create",
        "qa",
        "--rubric",
        "rag-answer-quality",
        "--raters",
        "ana,ben",
        "--honeypots",
        file.to_str().unwrap(),
        "--honeypot-rate",
        "0.05",
    ]);
    // 160 items, one rater each: 80 per rater, 80 * 0.05 / 0.95 = 4.2 -> 4 honeypots each.
    assert!(out.contains("batch `qa`: 160 items") && out.contains("8 honeypots mixed in"), "{out}");
    let hp: Value = serde_json::from_str(&sandbox.ok(&["show", "hp-1", "--format", "json"])).unwrap();
    assert!(hp["item"]["metadata"].get("gold").is_none(), "the answer must not reach the rater: {hp}");
    // Ana answers every honeypot right, ben every one wrong.
    let mut labels = String::from("item,rater,criterion,value\n");
    for i in 1..=6 {
        let gold = if i % 2 == 0 { "pass" } else { "fail" };
        let wrong = if i % 2 == 0 { "fail" } else { "pass" };
        labels.push_str(&format!("hp-{i},ana,correct,{gold}\nhp-{i},ben,correct,{wrong}\n"));
    }
    let labels = sandbox.write("hp-labels.csv", labels);
    sandbox.ok(&["labels", "import", labels.to_str().unwrap()]);
    let report: Value = serde_json::from_str(&sandbox.ok(&["report", "raters", "--format", "json"])).unwrap();
    let rater = |name: &str| report["raters"].as_array().unwrap().iter().find(|r| r["rater"] == name).unwrap().clone();
    let (ana, ben) = (rater("ana"), rater("ben"));
    // Only the honeypots each was given count: 4 each.
    assert_eq!(
        (ana["honeypot_accuracy"]["n"].as_u64(), ana["honeypot_accuracy"]["rate"].as_f64()),
        (Some(4), Some(1.0))
    );
    assert_eq!(ben["honeypot_accuracy"]["rate"].as_f64(), Some(0.0));
    assert!(ana["honeypot_accuracy"]["ci_low"].as_f64().unwrap() > 0.4);
    assert!(sandbox.ok(&["report", "raters"]).contains("honeypots"));
}

#[test]
fn raters_join_and_leave_a_batch_without_moving_begun_work() {
    let sandbox = Sandbox::with_store();
    sandbox.ok(&["import", &repo("sample_data/rag_items.jsonl")]);
    sandbox.ok(&["rubric", "add", &repo("guidelines/rag-answer-quality.toml")]);
    sandbox.ok(&["batch", "create", "b", "--rubric", "rag-answer-quality", "--raters", "ana,ben", "--overlap", "2"]);
    // Ana has begun everything (the sample labels); ben nothing.
    sandbox.ok(&["labels", "import", &repo("sample_data/rag_labels.csv")]);
    let loads = |sandbox: &Sandbox| -> Vec<(String, i64, i64)> {
        let list: Value = serde_json::from_str(&sandbox.ok(&["batch", "list", "--format", "json"])).unwrap();
        serde_json::from_value(list["batches"][0]["raters"].clone()).unwrap()
    };
    let before = loads(&sandbox);
    let out = sandbox.ok(&["batch", "add-rater", "b", "zoe"]);
    assert!(out.contains("`zoe` joins batch `b`"), "{out}");
    let after = loads(&sandbox);
    // Every item keeps two raters: the total is unchanged.
    let total = |rows: &[(String, i64, i64)]| rows.iter().map(|r| r.1).sum::<i64>();
    assert_eq!(total(&after), total(&before));
    let zoe = after.iter().find(|r| r.0 == "zoe").unwrap();
    assert!(zoe.1 > 0, "{after:?}");
    // What ana began stays hers.
    let ana = |rows: &[(String, i64, i64)]| rows.iter().find(|r| r.0 == "ana").unwrap().2;
    assert_eq!(ana(&after), ana(&before));
    let out = sandbox.ok(&["batch", "remove-rater", "b", "zoe"]);
    assert!(out.contains("`zoe` leaves batch `b`"), "{out}");
    assert_eq!(total(&loads(&sandbox)), total(&before));
    let err = sandbox.fails(&["batch", "add-rater", "b", "ana"]);
    assert!(err.contains("already in batch"), "{err}");
}
