//! tally among the tools an eval team runs: the field names of ragas and Hugging Face
//! datasets, nested fields, labels in the wide shape, exports for the harnesses, the shell.

mod common;

use common::{Sandbox, repo};

#[test]
fn ragas_0_2_records_are_read_and_fields_left_in_metadata_are_named() {
    let sandbox = Sandbox::with_store();
    // ragas 0.2+ SingleTurnSample (https://docs.ragas.io/en/stable/concepts/components/eval_sample/).
    sandbox.write(
        "ragas.jsonl",
        concat!(
            r#"{"user_input": "Who wrote Dune?", "response": "Frank Herbert.", "retrieved_contexts": ["Dune is a 1965 novel by Frank Herbert."], "reference_contexts": ["Frank Herbert wrote Dune."], "reference": "Frank Herbert"}"#,
            "\n",
            r#"{"user_input": "Capital of France?", "response": "Paris.", "retrieved_contexts": [], "reference": "Paris"}"#,
            "\n"
        ),
    );
    let out = sandbox.ok(&["import", "ragas.jsonl"]);
    assert!(out.contains("2 records"), "{out}");
    assert!(out.contains("went to metadata") && out.contains("`reference_contexts` (1)"), "{out}");
    let items = sandbox.ok(&["items", "--format", "json"]);
    assert!(items.contains("Who wrote Dune?") && items.contains("Capital of France?"), "{items}");
}

#[test]
fn map_reads_a_nested_field_and_only_what_is_left_goes_to_metadata() {
    let sandbox = Sandbox::with_store();
    // An OpenAI chat completion object (https://platform.openai.com/docs/api-reference/chat/object).
    sandbox.write(
        "completions.jsonl",
        r#"{"id": "c1", "prompt": "Say hi", "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi there"}}]}
"#,
    );
    let out = sandbox.ok(&["import", "completions.jsonl", "--map", "output=choices.0.message.content"]);
    // The rest of `choices` (index, role) is kept in metadata, and said so.
    assert!(out.contains("went to metadata") && out.contains("`choices` (1)"), "{out}");
    let shown = sandbox.ok(&["show", "c1", "--format", "json"]);
    assert!(shown.contains("\"output\": \"Hi there\"") || shown.contains("\"output\":\"Hi there\""), "{shown}");
    let error = sandbox.fails(&["import", "completions.jsonl", "--map", "output=/choices/3/message/content"]);
    assert!(error.contains("completions.jsonl:1") && error.contains("/choices/3/message/content"), "{error}");
    let plain = sandbox.ok(&["import", &repo("sample_data/rag_items.jsonl")]);
    assert!(!plain.contains("went to metadata"), "{plain}");
}

/// The sample labels (long CSV), pivoted to one row per item and rater.
fn wide_csv_of_sample_labels() -> String {
    let mut reader = csv::Reader::from_path(repo("sample_data/rag_labels.csv")).unwrap();
    let criteria = ["correct", "grounded", "helpfulness", "defects", "note"];
    let mut rows: std::collections::BTreeMap<(String, String), std::collections::BTreeMap<String, String>> =
        Default::default();
    for record in reader.records() {
        let record = record.unwrap();
        rows.entry((record[0].to_string(), record[1].to_string()))
            .or_default()
            .insert(record[2].to_string(), record[3].to_string());
    }
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(["item", "rater"].iter().chain(&criteria)).unwrap();
    for ((item, rater), values) in rows {
        let mut row = vec![item, rater];
        row.extend(criteria.iter().map(|c| values.get(*c).cloned().unwrap_or_default()));
        writer.write_record(row).unwrap();
    }
    String::from_utf8(writer.into_inner().unwrap()).unwrap()
}

fn agreement_after_labels(file: &str, contents: &str) -> String {
    let sandbox = Sandbox::with_store();
    sandbox.ok(&["import", &repo("sample_data/rag_items.jsonl")]);
    sandbox.ok(&["rubric", "add", &repo("guidelines/rag-answer-quality.toml")]);
    let path = match contents {
        "" => repo("sample_data/rag_labels.csv"),
        _ => sandbox.write(file, contents).display().to_string(),
    };
    let out = sandbox.ok(&["labels", "import", &path]);
    assert!(out.contains("labels"), "{out}");
    sandbox.ok(&["report", "agreement", "--replicates", "0", "--format", "json"])
}

#[test]
fn labels_import_reads_the_wide_shape_and_jsonl_as_the_long_csv() {
    let long = agreement_after_labels("", "");
    let wide = wide_csv_of_sample_labels();
    assert!(wide.starts_with("item,rater,correct,grounded,helpfulness,defects,note\n"), "{wide}");
    // Every criterion but the tags: an empty wide cell is no label, while the long file
    // also says "no tags" for two labels (documented: the long shape can say it).
    let criteria = |report: &str| -> Vec<serde_json::Value> {
        let report: serde_json::Value = serde_json::from_str(report).unwrap();
        report["criteria"].as_array().unwrap().iter().filter(|c| c["level"] != "masi").cloned().collect()
    };
    let from_wide = agreement_after_labels("wide.csv", &wide);
    assert_eq!(criteria(&from_wide).len(), 3);
    assert_eq!(criteria(&from_wide), criteria(&long));

    // JSONL, long and wide (tags as a JSON list), on a small file.
    let sandbox = Sandbox::with_store();
    sandbox.ok(&["import", &repo("sample_data/rag_items.jsonl")]);
    sandbox.ok(&["rubric", "add", &repo("guidelines/rag-answer-quality.toml")]);
    sandbox.write(
        "labels.jsonl",
        concat!(
            r#"{"item": "q-0001-v1", "rater": "ana", "criterion": "correct", "value": "fail"}"#,
            "\n",
            r#"{"item": "q-0001-v1", "rater": "ben", "correct": "fail", "helpfulness": 2, "defects": ["hallucination", "incomplete"]}"#,
            "\n"
        ),
    );
    let out = sandbox.ok(&["labels", "import", "labels.jsonl"]);
    assert!(out.contains("4 records") || out.contains("4 labels"), "{out}");
    let shown = sandbox.ok(&["show", "q-0001-v1", "--format", "json"]);
    assert!(shown.contains("incomplete") && shown.contains("ben"), "{shown}");
}

#[test]
fn a_wide_column_that_names_no_criterion_is_refused_with_its_line() {
    let sandbox = Sandbox::with_store();
    sandbox.ok(&["import", &repo("sample_data/rag_items.jsonl")]);
    sandbox.ok(&["rubric", "add", &repo("guidelines/rag-answer-quality.toml")]);
    sandbox.write("wide.csv", "item,rater,correct,helpfulnes\nq-0001-v1,ana,pass,4\n");
    let error = sandbox.fails(&["labels", "import", "wide.csv"]);
    assert!(error.contains("wide.csv:2") && error.contains("field `helpfulnes`"), "{error}");
    sandbox.write("wide.csv", "item,rater,correct,helpfulness\nq-0001-v1,ana,pass,9\n");
    let error = sandbox.fails(&["labels", "import", "wide.csv"]);
    assert!(error.contains("wide.csv:2") && error.contains("field `helpfulness`"), "{error}");
    let status = sandbox.ok(&["status", "--format", "json"]);
    assert!(status.contains("\"labels\": 0") || status.contains("\"label_events\": 0"), "{status}");
}
