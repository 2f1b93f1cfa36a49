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
