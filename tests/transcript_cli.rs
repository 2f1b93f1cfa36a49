//! Reading a trace outside the label screen: `tally show` prints a conversation as a
//! transcript, and its JSON gives the steps.

mod common;

use common::Sandbox;
use serde_json::{Value, json};

/// One agent trace in OpenAI's chat shape: a call with broken arguments, an escape
/// sequence in a tool result, results out of order.
fn trace_line() -> String {
    json!({
        "id": "t-1",
        "messages": [
            {"role": "system", "content": "You are a support agent."},
            {"role": "user", "content": "Where is order 42?"},
            {"role": "assistant", "content": null, "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "lookup_order", "arguments": "{\"order_id\":42,\"fields\":[\"status\"]}"}},
                {"id": "call_2", "type": "function", "function": {"name": "refund", "arguments": "{\"order_id\":"}}
            ]},
            {"role": "tool", "tool_call_id": "call_2", "content": "error: bad request\u{1b}[31m"},
            {"role": "tool", "tool_call_id": "call_1", "content": "{\"status\":\"shipped\"}"},
            {"role": "assistant", "content": "It has shipped."}
        ]
    })
    .to_string()
}

#[test]
fn show_prints_a_conversation_as_a_transcript() {
    let sandbox = Sandbox::with_store();
    let file = sandbox.write("traces.jsonl", trace_line() + "\n");
    sandbox.ok(&["import", file.to_str().unwrap()]);
    let shown = sandbox.ok(&["show", "t-1"]);
    let expected = "TRANSCRIPT (7 steps)\n\n\
        [1] SYSTEM\nYou are a support agent.\n\n\
        [2] USER\nWhere is order 42?\n\n\
        [3] TOOL CALL lookup_order · call_1\n{\n  \"order_id\": 42,\n  \"fields\": [\n    \"status\"\n  ]\n}\n\n\
        [4] TOOL CALL refund · call_2\n{\"order_id\":\n(arguments are not valid JSON)\n\n\
        [5] TOOL RESULT refund · call_2\nerror: bad request\u{FFFD}[31m\n\n\
        [6] TOOL RESULT lookup_order · call_1\n{\n  \"status\": \"shipped\"\n}\n\n\
        [7] ASSISTANT\nIt has shipped.\n";
    assert!(shown.contains(expected), "{shown}");
    // The escape sequence never reaches the terminal, and input/output are not repeated.
    assert!(!shown.contains('\u{1b}'));
    assert!(!shown.contains("\nINPUT\n"), "{shown}");
}

#[test]
fn show_json_gives_the_steps() {
    let sandbox = Sandbox::with_store();
    let file = sandbox.write("traces.jsonl", trace_line() + "\n");
    sandbox.ok(&["import", file.to_str().unwrap()]);
    let shown: Value = serde_json::from_str(&sandbox.ok(&["show", "t-1", "--format", "json"])).unwrap();
    let steps = shown["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 7);
    assert_eq!(
        steps[0],
        json!({"n": 1, "kind": "system", "role": "system", "tool": null, "call_id": null, "content": "You are a support agent."})
    );
    assert_eq!(
        steps[3],
        json!({"n": 4, "kind": "tool_call", "role": "assistant", "tool": "refund", "call_id": "call_2", "content": "{\"order_id\":"})
    );
    assert_eq!(
        steps[5],
        json!({"n": 6, "kind": "tool_result", "role": "tool", "tool": "lookup_order", "call_id": "call_1", "content": "{\"status\":\"shipped\"}"})
    );
    // What show printed before stays.
    assert_eq!(shown["item"]["id"], "t-1");
    assert!(shown["labels"].is_array());
    // A single item has no steps.
    let single = sandbox.write("single.jsonl", "{\"id\": \"s\", \"input\": \"q\", \"output\": \"a\"}\n");
    sandbox.ok(&["import", single.to_str().unwrap()]);
    let shown: Value = serde_json::from_str(&sandbox.ok(&["show", "s", "--format", "json"])).unwrap();
    assert_eq!(shown["steps"], json!([]));
}

#[test]
fn demo_traces_builds_its_own_store_and_leaves_the_rag_demo_alone() {
    let sandbox = Sandbox::new();
    let demo = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_tally"))
            .args(args)
            .env("TMPDIR", sandbox.dir.path())
            .env_remove("TALLY_DB")
            .output()
            .unwrap()
    };
    let output = demo(&["demo", "--traces", "--no-label"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("tally-demo-traces.db"), "{stdout}");
    assert!(stdout.contains("64 items; 1620 labels in all"), "{stdout}");
    // The RAG demo is a store of its own, as it always was.
    let output = demo(&["demo", "--no-label"]);
    assert!(String::from_utf8_lossy(&output.stdout).contains("160 items; 1546 labels in all"));
    // The traces read as transcripts, and the three raters' labels give agreement.
    let traces_db = sandbox.path("tally-demo-traces.db");
    let shown = sandbox.ok_on(traces_db.to_str().unwrap(), &["show", "trace-011"]);
    assert!(shown.contains("TRANSCRIPT (") && shown.contains("] TOOL CALL get_customer · call_011_01"), "{shown}");
    let agreement: Value =
        serde_json::from_str(&sandbox.ok_on(traces_db.to_str().unwrap(), &["report", "agreement", "--format", "json"]))
            .unwrap();
    let criteria: Vec<&str> =
        agreement["criteria"].as_array().unwrap().iter().map(|c| c["criterion"].as_str().unwrap()).collect();
    assert!(criteria.starts_with(&["task_success", "failures"]), "{criteria:?}");
    // Asking one demo store for the other sample is refused, not silently rebuilt.
    let output = demo(&["--db", traces_db.to_str().unwrap(), "demo", "--no-label"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("this demo store holds sample_data/agent_traces.jsonl"), "{stderr}");
}

#[test]
fn the_bundled_traces_have_the_planted_failures_and_long_traces() {
    let text = std::fs::read_to_string(common::repo("sample_data/agent_traces.jsonl")).unwrap();
    let mut longest = 0;
    let mut broken_arguments = 0;
    let mut traces = 0;
    for line in text.lines() {
        let item: Value = serde_json::from_str(line).unwrap();
        let messages: Vec<tally::model::conversation::Message> =
            serde_json::from_value(item["messages"].clone()).unwrap();
        let steps = tally::model::conversation::steps(&messages);
        longest = longest.max(steps.len());
        broken_arguments += steps
            .iter()
            .filter(|step| {
                step.kind == tally::model::conversation::StepKind::ToolCall
                    && serde_json::from_str::<Value>(&step.content).is_err()
            })
            .count();
        // Every tool result answers a call made before it.
        for step in steps.iter().filter(|step| step.kind == tally::model::conversation::StepKind::ToolResult) {
            assert!(step.tool.is_some(), "{}: result without its call", item["id"]);
        }
        traces += 1;
    }
    assert!(traces >= 60, "{traces}");
    assert!(longest >= 30, "{longest}");
    assert!(broken_arguments >= 2, "{broken_arguments}");
}
