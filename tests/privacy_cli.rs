//! Privacy through the built binary: exports name no rater unless told to, and
//! `import --redact` leaves no personal data in ids, judge values or derived ids.

mod common;

use common::{Sandbox, repo};
use serde_json::Value;

const RATERS: [&str; 3] = ["ana", "ben", "chloe"];

/// The README's tour: the sample items, the shipped rubric, ana, ben and chloe's labels.
fn sample_store() -> Sandbox {
    let sandbox = Sandbox::new();
    sandbox.ok(&["init"]);
    sandbox.ok(&["import", &repo("sample_data/rag_items.jsonl")]);
    sandbox.ok(&["rubric", "add", &repo("guidelines/rag-answer-quality.toml")]);
    sandbox.ok(&["batch", "create", "pilot", "--rubric", "rag-answer-quality", "--raters", "ana,ben,chloe"]);
    sandbox.ok(&["labels", "import", &repo("sample_data/rag_labels.csv")]);
    sandbox
}

/// Every string in `value` (keys included) that is exactly a rater's name.
fn plain_names(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::String(text) if RATERS.contains(&text.as_str()) => found.push(text.clone()),
        Value::Array(values) => values.iter().for_each(|value| plain_names(value, found)),
        Value::Object(map) => {
            for (key, value) in map {
                if RATERS.contains(&key.as_str()) {
                    found.push(key.clone());
                }
                plain_names(value, found);
            }
        }
        _ => {}
    }
}

fn names_in_json_file(sandbox: &Sandbox, file: &str) -> Vec<String> {
    let text = std::fs::read_to_string(sandbox.path(file)).unwrap();
    let mut found = Vec::new();
    for line in text.lines().filter(|line| !line.trim().is_empty()) {
        if let Ok(value) = serde_json::from_str::<Value>(line) {
            plain_names(&value, &mut found);
        }
    }
    if let Ok(value) = serde_json::from_str::<Value>(&text) {
        plain_names(&value, &mut found);
    }
    found
}

/// CSV cells (and `;`-separated parts of cells) that are a rater's name.
fn names_in_csv_file(sandbox: &Sandbox, file: &str) -> Vec<String> {
    let text = std::fs::read_to_string(sandbox.path(file)).unwrap();
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(text.as_bytes());
    let mut found = Vec::new();
    for record in reader.records() {
        for cell in record.unwrap().iter() {
            found.extend(cell.split(';').filter(|part| RATERS.contains(part)).map(String::from));
            if let Ok(value) = serde_json::from_str::<Value>(cell) {
                plain_names(&value, &mut found);
            }
        }
    }
    found
}

#[test]
fn exports_hash_rater_names_everywhere_unless_revealed() {
    let sandbox = sample_store();
    sandbox.ok(&["export", "--out", "hashed.jsonl", "--with-raters"]);
    sandbox.ok(&["export", "--out", "hashed_csv.csv", "--with-raters"]);
    for file in ["hashed.jsonl", "hashed.manifest.json", "hashed_csv.csv.manifest.json"] {
        assert_eq!(names_in_json_file(&sandbox, file), Vec::<String>::new(), "{file} names raters");
    }
    assert_eq!(names_in_csv_file(&sandbox, "hashed_csv.csv"), Vec::<String>::new());
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(sandbox.path("hashed.manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["rater_names"], "hashed");
    // The hashes in the agreement section are the ones the golden file uses.
    let golden = std::fs::read_to_string(sandbox.path("hashed.jsonl")).unwrap();
    let first: Value = serde_json::from_str(golden.lines().next().unwrap()).unwrap();
    let hashed_rater = first["raters"][0].as_str().unwrap().to_string();
    assert!(hashed_rater.starts_with("r-"), "{hashed_rater}");
    let per_rater = &manifest["agreement"][0]["leave_one_out"];
    assert!(per_rater.as_array().unwrap().iter().any(|entry| entry["rater"] == hashed_rater.as_str()), "{per_rater}");

    sandbox.ok(&["export", "--out", "revealed.jsonl", "--reveal-raters"]);
    let mut revealed = names_in_json_file(&sandbox, "revealed.manifest.json");
    revealed.sort();
    revealed.dedup();
    assert_eq!(revealed, RATERS);
    let mut revealed = names_in_json_file(&sandbox, "revealed.jsonl");
    revealed.sort();
    revealed.dedup();
    assert_eq!(revealed, RATERS);
}

fn items_json(sandbox: &Sandbox, db: &str) -> Value {
    serde_json::from_str(&sandbox.ok_on(db, &["items", "--format", "json"])).unwrap()
}

#[test]
fn redact_covers_ids_and_judge_values() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "items.jsonl",
        concat!(
            r#"{"id": "alice@example.com", "input": "q", "output": "a", "judge": {"note": "ask bob@example.com", "correct": "pass"}}"#,
            "\n",
            r#"{"id": "ticket-7", "input": "q", "output": "b", "judge": {"why": ["call +44 20 7946 0958"]}}"#,
            "\n",
        ),
    );
    sandbox.ok(&["init"]);
    sandbox.ok(&["import", "items.jsonl", "--redact"]);
    let items = items_json(&sandbox, "tally.db");
    let text = items.to_string();
    for secret in ["alice@example.com", "bob@example.com", "7946"] {
        assert!(!text.contains(secret), "{secret} survived: {text}");
    }
    let ids: Vec<&str> = items.as_array().unwrap().iter().map(|item| item["id"].as_str().unwrap()).collect();
    // A redacted id keeps its shape and stays unique (two e-mail ids must not collide).
    assert!(ids.iter().any(|id| id.starts_with("[EMAIL]-")) && ids.contains(&"ticket-7"), "{ids:?}");
    let first = items.as_array().unwrap().iter().find(|item| item["output"] == "a").unwrap();
    assert!(first["id"].as_str().unwrap().starts_with("[EMAIL]-"), "{first}");
    assert_eq!(first["judge"]["note"], "ask [EMAIL]");
    assert_eq!(first["judge"]["correct"], "pass");
}

#[test]
fn a_derived_id_comes_from_the_redacted_content() {
    // Hashing the unredacted text would let anyone who guesses it confirm the guess.
    let sandbox = Sandbox::new();
    sandbox.write("secret.jsonl", "{\"input\": \"q\", \"output\": \"write to ana@example.com\"}\n");
    sandbox.write("placeholder.jsonl", "{\"input\": \"q\", \"output\": \"write to [EMAIL]\"}\n");
    sandbox.ok_on("a.db", &["init"]);
    sandbox.ok_on("a.db", &["import", "secret.jsonl", "--redact", "--dataset", "d"]);
    sandbox.ok_on("b.db", &["init"]);
    sandbox.ok_on("b.db", &["import", "placeholder.jsonl", "--dataset", "d"]);
    let redacted = items_json(&sandbox, "a.db");
    let plain = items_json(&sandbox, "b.db");
    assert_eq!(redacted[0]["output"], "write to [EMAIL]");
    assert_eq!(redacted[0]["id"], plain[0]["id"]);
    // Importing the same file again is still a no-op.
    let again = sandbox.ok_on("a.db", &["import", "secret.jsonl", "--redact", "--dataset", "d"]);
    assert!(again.contains("0 new, 1 unchanged"), "{again}");
    // `sample --redact` derives it the same way.
    sandbox.ok_on("a.db", &["sample", "secret.jsonl", "--n", "1", "--redact", "--out", "sample.jsonl"]);
    let sampled: Value = serde_json::from_str(&std::fs::read_to_string(sandbox.path("sample.jsonl")).unwrap()).unwrap();
    assert_eq!(sampled["id"], plain[0]["id"]);
    assert_eq!(sampled["output"], "write to [EMAIL]");
}
