//! `tally import --from ...`: traces as tracing tools export them, through the real
//! binary. The fixtures in tests/data/traces/ are written from each format's
//! documentation (cited in tests/data/README.md and at the top of each importer).

mod common;

use common::{Sandbox, repo};
use tally::model::Item;
use tally::model::conversation::StepKind;
use tally::store::Store;

fn item(sandbox: &Sandbox, id: &str) -> Item {
    let store = Store::open_read_only(&sandbox.path("tally.db")).unwrap();
    store.item_by_external_id(id).unwrap().unwrap_or_else(|| panic!("no item {id}")).1
}

fn item_count(sandbox: &Sandbox) -> usize {
    let store = Store::open_read_only(&sandbox.path("tally.db")).unwrap();
    ["t", "4bf92f3577b34da6a3ce929d0e0e4736", "ls-root-1", "ls-root-2", "ok-1"]
        .iter()
        .filter(|id| store.item_by_external_id(id).unwrap().is_some())
        .count()
}

fn kinds(item: &Item) -> Vec<&'static str> {
    item.steps().iter().map(|step| step.kind.name()).collect()
}

/// Each format is told from the records' shape (no --from), and forcing it gives the same.
#[test]
fn every_format_imports_without_from_and_keeps_the_source_ids() {
    for from in [None, Some("x")] {
        let sandbox = Sandbox::with_store();
        let import = |file: &str, format: &str| {
            let path = repo(&format!("tests/data/traces/{file}"));
            match from {
                None => sandbox.ok(&["import", &path]),
                Some(_) => sandbox.ok(&["import", &path, "--from", format]),
            }
        };
        let out = import("otel_spans.jsonl", "otel");
        assert!(out.contains("1 records into dataset `otel_spans`: 1 new"), "{out}");
        let otel = item(&sandbox, "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(otel.shape.name(), "conversation");
        assert_eq!(
            kinds(&otel),
            ["system", "user", "tool_call", "tool_call", "tool_result", "tool_result", "assistant"]
        );
        assert_eq!(otel.metadata["trace_format"], "otel");
        assert_eq!(otel.metadata["span_id"], "a000000000000001");
        assert_eq!(
            (otel.input.as_str(), otel.output.as_str()),
            ("Weather in Paris, and book a table?", "Rainy in Paris; your table is booked.")
        );

        let out = import("langsmith_runs.jsonl", "langsmith");
        assert!(out.contains("2 records into dataset `langsmith_runs`: 2 new"), "{out}");
        let run = item(&sandbox, "ls-root-1");
        assert_eq!(
            (run.metadata["trace_id"].as_str(), run.metadata["run_id"].as_str()),
            (Some("ls-root-1"), Some("ls-root-1"))
        );
        // A tool call whose result never came: the call is a step, no result follows.
        assert_eq!(kinds(&item(&sandbox, "ls-root-2")), ["user", "tool_call"]);

        import("langfuse_trace.jsonl", "langfuse");
        let trace = item(&sandbox, "lf-trace-1");
        assert_eq!(trace.metadata["trace_id"], "lf-trace-1");
        assert_eq!(trace.metadata["observation_ids"].as_array().map(Vec::len), Some(5));
        let steps = trace.steps();
        assert_eq!(steps[3].kind, StepKind::ToolResult);
        assert_eq!(steps[3].call_id, steps[2].call_id, "the made-up id links the result to its call");

        import("anthropic_messages.jsonl", "anthropic");
        let conversation = item(&sandbox, "anthropic-1");
        assert_eq!(conversation.metadata["message_id"], "msg_01XYZ");
        assert_eq!(
            kinds(&conversation),
            ["system", "user", "assistant", "tool_call", "tool_result", "tool_call", "tool_result", "assistant"]
        );
        let steps = conversation.steps();
        assert_eq!((steps[4].call_id.as_deref(), steps[4].tool.as_deref()), (Some("toolu_01A"), Some("find_event")));
        assert_eq!(conversation.output, "Done: Design review now starts at 4pm.");
    }
}

/// Importing the same traces again changes nothing: the conversion is deterministic
/// (made-up call ids included).
#[test]
fn importing_the_same_traces_twice_changes_nothing() {
    let sandbox = Sandbox::with_store();
    for file in ["otel_spans.jsonl", "langfuse_trace.jsonl", "langsmith_runs.jsonl", "anthropic_messages.jsonl"] {
        let path = repo(&format!("tests/data/traces/{file}"));
        sandbox.ok(&["import", &path]);
        let out = sandbox.ok(&["import", &path]);
        assert!(out.contains(" 0 new, "), "{file}: {out}");
    }
}

/// `--from openai` reads messages leniently: arguments logged as an object, calls and
/// results without ids (linked by made-up ids).
#[test]
fn from_openai_reads_loosely_logged_messages() {
    let sandbox = Sandbox::with_store();
    let file = sandbox.write(
        "chats.jsonl",
        r#"{"id": "c1", "messages": [{"role": "user", "content": "Refund 7"},
            {"role": "assistant", "tool_calls": [{"function": {"name": "refund", "arguments": {"order": 7}}}]},
            {"role": "tool", "content": "ok"}, {"role": "assistant", "content": "Refunded."}]}"#
            .replace('\n', " "),
    );
    // Without --from the file is read strictly, as items files always were.
    let err = sandbox.fails(&["import", file.to_str().unwrap()]);
    assert!(err.contains("chats.jsonl:1: field `messages`"), "{err}");
    sandbox.ok(&["import", file.to_str().unwrap(), "--from", "openai"]);
    let steps = item(&sandbox, "c1").steps();
    let linked: Vec<_> = steps.iter().map(|s| (s.kind.name(), s.call_id.clone(), s.content.clone())).collect();
    assert_eq!(
        linked,
        [
            ("user", None, "Refund 7".to_string()),
            ("tool_call", Some("call_1".to_string()), "{\"order\":7}".to_string()),
            ("tool_result", Some("call_1".to_string()), "ok".to_string()),
            ("assistant", None, "Refunded.".to_string()),
        ]
    );
}

/// A trace of other work (an HTTP request) in the same export is left out, and said so.
#[test]
fn traces_without_messages_are_left_out_and_counted() {
    let sandbox = Sandbox::with_store();
    let good = std::fs::read_to_string(repo("tests/data/traces/otel_spans.jsonl")).unwrap();
    let http = r#"{"traceId":"http-1","spanId":"h1","name":"GET /health","attributes":{"http.request.method":"GET"}}"#;
    let file = sandbox.write("spans.jsonl", format!("{http}\n{good}"));
    let out = sandbox.ok(&["import", file.to_str().unwrap()]);
    assert!(out.contains("1 records into dataset `spans`: 1 new"), "{out}");
    assert!(out.contains("1 traces left out: none of their spans or runs holds a message or a tool call"), "{out}");
}

/// A span whose messages are not JSON: the error names the file, the line, the span and
/// the attribute, and nothing of the file is stored (not even the trace before it).
#[test]
fn a_bad_line_names_file_line_and_field_and_the_store_is_unchanged() {
    let sandbox = Sandbox::with_store();
    let good = std::fs::read_to_string(repo("tests/data/traces/otel_spans.jsonl")).unwrap();
    let bad = r#"{"traceId":"t","spanId":"s1","attributes":[{"key":"gen_ai.output.messages","value":{"stringValue":"[{\"role\":"}}]}"#;
    let file = sandbox.write("spans.jsonl", format!("{good}{bad}\n"));
    let err = sandbox.fails(&["import", file.to_str().unwrap()]);
    assert!(err.contains("spans.jsonl:6: span `s1`: attribute `gen_ai.output.messages`: not valid JSON"), "{err}");
    assert_eq!(item_count(&sandbox), 0);

    // A LangSmith run without an id, on line 2.
    let runs = sandbox.write(
        "runs.jsonl",
        "{\"id\": \"r1\", \"run_type\": \"llm\", \"inputs\": {\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}}\n\
         {\"run_type\": \"tool\", \"trace_id\": \"r1\"}\n",
    );
    let err = sandbox.fails(&["import", runs.to_str().unwrap(), "--from", "langsmith"]);
    assert!(err.contains("runs.jsonl:2: field `id` is missing"), "{err}");
    assert_eq!(item_count(&sandbox), 0);
}

/// Single answers import as before; OpenAI messages are today's conversation items;
/// forcing a format a file is not in says what is missing.
#[test]
fn single_answers_and_openai_messages_import_as_before() {
    let sandbox = Sandbox::with_store();
    let file = sandbox.write(
        "mixed.jsonl",
        "{\"id\": \"ok-1\", \"input\": \"Q\", \"output\": \"A\"}\n\
         {\"id\": \"chat-1\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}, {\"role\": \"assistant\", \"content\": \"hello\"}]}\n",
    );
    let out = sandbox.ok(&["import", file.to_str().unwrap()]);
    assert!(out.contains("2 records into dataset `mixed`: 2 new"), "{out}");
    assert_eq!(item(&sandbox, "ok-1").shape.name(), "single");
    assert_eq!(kinds(&item(&sandbox, "chat-1")), ["user", "assistant"]);

    let err = sandbox.fails(&["import", file.to_str().unwrap(), "--from", "openai", "--dataset", "again"]);
    assert!(err.contains("mixed.jsonl:1: field `messages` is missing"), "{err}");
    let err = sandbox.fails(&["import", &repo("tests/data/traces/langfuse_trace.jsonl"), "--from", "otel"]);
    assert!(err.contains("langfuse_trace.jsonl:1: field `traceId` is missing"), "{err}");
}
