//! LangSmith runs, one a line, each trace's runs into one conversation item.
//!
//! The run shape follows LangSmith's run data format
//! (<https://docs.smith.langchain.com/reference/data_formats/run_data_format>): `id`,
//! `trace_id` (the root run's id), `parent_run_id`, `run_type` (`llm`, `chain`, `tool`,
//! `retriever`, ...), `name`, `inputs`, `outputs`, `start_time`, `end_time`, `error`.
//! An `llm` run's `inputs.messages` are the messages the model was given (OpenAI dicts or
//! LangChain messages, plain `{type: human|ai|system|tool, content, tool_calls}` or
//! serialised `{lc, type: constructor, id: [..., "AIMessage"], kwargs}`; LangChain's
//! message reference: <https://python.langchain.com/api_reference/core/messages.html>),
//! its `outputs` the reply (`generations`, `choices` or a message). A `tool` run is a
//! tool call and its result; a `retriever` run is read as a call of a tool of its name
//! returning its documents; a `chain` run counts only when its inputs or outputs hold
//! `messages` (a LangGraph agent's state).

use serde_json::{Map, Value};

use super::trace::{Piece, Segment, arguments_text, call_of, conversation, output_messages, text_field, time};
use crate::model::conversation::Message;

/// What tally keeps of a run.
pub(super) type Run = Segment;

/// A run's trace id: `trace_id`, or its own id when it is a root run without one.
pub(super) fn trace_id(fields: &Map<String, Value>) -> Option<String> {
    let text = |key: &str| match fields.get(key) {
        Some(Value::String(id)) if !id.is_empty() => Some(id.clone()),
        _ => None,
    };
    text("trace_id").or_else(|| text("parent_run_id").is_none().then(|| text("id")).flatten())
}

/// A run with its trace id; messages are read now so an error names the run's line.
pub(super) fn run(fields: Map<String, Value>) -> Result<(String, Run), String> {
    let trace = trace_id(&fields);
    let record = Value::Object(fields);
    let id = text_field(&record, "id").ok_or("field `id` is missing (the run's id)")?;
    let parent = text_field(&record, "parent_run_id");
    // A root run's id is its trace's id.
    let trace = trace.ok_or("field `trace_id` is missing")?;
    let at = |message: String| format!("run `{id}`: {message}");
    let kind = record.get("run_type").and_then(Value::as_str).unwrap_or("");
    let name = text_field(&record, "name").unwrap_or_else(|| kind.to_string());
    let inputs = record.get("inputs").filter(|value| !value.is_null());
    let outputs = record.get("outputs").filter(|value| !value.is_null());
    let error = text_field(&record, "error");
    let (mut input, mut output, mut tool) = (Vec::new(), Vec::new(), None);
    match kind {
        "llm" | "chain" => {
            let history = inputs.and_then(|inputs| inputs.get("messages").or_else(|| inputs.get("prompts")));
            if let Some(history) = history {
                input = super::trace::messages(history, "inputs.messages").map_err(at)?;
            }
            let reply = match outputs {
                Some(outputs) if kind == "llm" => Some(outputs),
                Some(outputs) => outputs.get("messages"),
                None => None,
            };
            if let Some(reply) = reply {
                output = output_messages(reply, "outputs").map_err(at)?;
            }
        }
        "tool" | "retriever" => {
            let arguments = match inputs {
                Some(inputs) => match inputs.get("input").or_else(|| inputs.get("query")) {
                    Some(value) => arguments_text(value),
                    None => arguments_text(inputs),
                },
                None => String::new(),
            };
            let returned = outputs.and_then(|outputs| {
                outputs.get("output").or_else(|| outputs.get("documents")).cloned().or_else(|| Some(outputs.clone()))
            });
            // A LangChain ToolMessage as the output carries the call's id.
            let (call_id, result) = match returned {
                Some(value) if is_langchain_value(&value) => {
                    let message =
                        langchain_message(value.as_object().map_or(&Map::new(), |object| object)).map_err(at)?;
                    let first = message.into_iter().next();
                    (first.as_ref().and_then(|m| m.tool_call_id.clone()), first.map(|m| m.content))
                }
                Some(Value::Array(documents)) if kind == "retriever" => {
                    let texts: Vec<String> = documents
                        .iter()
                        .map(|document| text_field(document, "page_content").unwrap_or_else(|| document.to_string()))
                        .collect();
                    (None, Some(Value::String(texts.join("\n\n"))))
                }
                other => (None, other),
            };
            let call_id = call_id.or_else(|| inputs.and_then(|inputs| text_field(inputs, "tool_call_id")));
            let result = match (result, error) {
                (Some(result), _) => Some(result),
                (None, Some(error)) => Some(Value::String(format!("[error] {error}"))),
                (None, None) => None,
            };
            tool = Some(Piece::Tool { call_id, name, arguments, result });
        }
        _ => {}
    }
    let run = Run {
        id,
        parent,
        start: time(record.get("start_time")),
        end: time(record.get("end_time")),
        model: None,
        input,
        output,
        tool,
    };
    Ok((trace, run))
}

/// One trace's runs as the fields of a conversation item (`None` when no run holds a
/// message or a tool call); metadata keeps
/// `trace_format = "langsmith"`, `trace_id`, `run_id` (the root run's) and `run_ids`
/// (all, in time order).
pub(super) fn item(trace: String, runs: Vec<Run>) -> Option<Map<String, Value>> {
    conversation("langsmith", trace, runs, ("run_id", "run_ids"))
}

const LANGCHAIN_TYPES: [&str; 7] = ["human", "ai", "system", "tool", "function", "chat", "AIMessageChunk"];

/// Whether a message object is a LangChain message (plain or serialised).
pub(super) fn is_langchain(object: &Map<String, Value>) -> bool {
    (object.contains_key("lc") && object.contains_key("kwargs"))
        || (!object.contains_key("role")
            && object.get("type").and_then(Value::as_str).is_some_and(|kind| LANGCHAIN_TYPES.contains(&kind)))
}

fn is_langchain_value(value: &Value) -> bool {
    value.as_object().is_some_and(is_langchain)
}

/// One LangChain message as an OpenAI message.
pub(super) fn langchain_message(object: &Map<String, Value>) -> Result<Vec<Message>, String> {
    let (class, payload) = match object.get("kwargs") {
        Some(Value::Object(kwargs)) => {
            let class = object.get("id").and_then(Value::as_array).and_then(|id| id.last()).and_then(Value::as_str);
            (class.unwrap_or(""), kwargs)
        }
        _ => (object.get("type").and_then(Value::as_str).unwrap_or(""), object),
    };
    let role = match class {
        "human" | "HumanMessage" | "HumanMessageChunk" => "user".to_string(),
        "ai" | "AIMessage" | "AIMessageChunk" => "assistant".to_string(),
        "system" | "SystemMessage" => "system".to_string(),
        "tool" | "ToolMessage" | "function" | "FunctionMessage" => "tool".to_string(),
        _ => match payload.get("role").and_then(Value::as_str) {
            Some(role) => role.to_string(),
            None if class.is_empty() => return Err("a LangChain message has no `type`".into()),
            None => class.to_string(),
        },
    };
    let mut tool_calls = Vec::new();
    if let Some(Value::Array(calls)) = payload.get("tool_calls") {
        for (index, call) in calls.iter().enumerate() {
            let name = text_field(call, "name")
                .or_else(|| call.get("function").and_then(|f| text_field(f, "name")))
                .ok_or_else(|| format!("field `tool_calls`: call {} has no `name`", index + 1))?;
            let arguments = call
                .get("args")
                .or_else(|| call.get("function").and_then(|f| f.get("arguments")))
                .map(arguments_text)
                .unwrap_or_default();
            tool_calls.push(call_of(text_field(call, "id"), name, arguments));
        }
    }
    let content = payload.get("content").cloned().unwrap_or(Value::Null);
    // Anthropic models through LangChain keep their content blocks.
    if let Value::Array(blocks) = &content
        && blocks
            .iter()
            .any(|block| matches!(block.get("type").and_then(Value::as_str), Some("tool_use" | "tool_result")))
    {
        let mut message = Map::new();
        message.insert("role".into(), Value::String(role));
        message.insert("content".into(), content.clone());
        return super::trace_anthropic::message(&message);
    }
    let content = if role == "assistant" && !tool_calls.is_empty() && content.as_str() == Some("") {
        Value::Null
    } else {
        content
    };
    Ok(vec![Message {
        role,
        content,
        tool_calls,
        tool_call_id: text_field(&Value::Object(payload.clone()), "tool_call_id"),
        name: text_field(&Value::Object(payload.clone()), "name").filter(|_| class == "tool" || class == "ToolMessage"),
    }])
}

#[cfg(test)]
mod tests {
    //! Runs written from LangSmith's run data format
    //! (<https://docs.smith.langchain.com/reference/data_formats/run_data_format>) with
    //! LangChain messages as its tracer logs them.
    use super::*;
    use crate::model::conversation::steps;

    #[test]
    fn runs_of_a_trace_become_one_conversation() {
        let text = std::fs::read_to_string("tests/data/traces/langsmith_runs.jsonl").unwrap();
        let mut groups = super::super::trace::Groups::default();
        for (index, line) in text.lines().enumerate() {
            let Value::Object(fields) = serde_json::from_str(line).unwrap() else { unreachable!() };
            let (trace, run) = run(fields).unwrap();
            groups.push(trace, index as u64 + 1, run);
        }
        let items: Vec<_> = groups.into_groups().filter_map(|(trace, _, runs)| item(trace, runs)).collect();
        assert_eq!(items.len(), 2);
        let fields = &items[0];
        assert_eq!(fields["id"], "ls-root-1");
        assert_eq!(fields["metadata"]["run_id"], "ls-root-1");
        assert_eq!(
            fields["metadata"]["run_ids"],
            serde_json::json!(["ls-root-1", "ls-llm-1", "ls-tool-1", "ls-llm-2"])
        );
        let messages: Vec<Message> = serde_json::from_value(fields["messages"].clone()).unwrap();
        let summary: Vec<String> = steps(&messages)
            .iter()
            .map(|s| {
                format!(
                    "{} {} {} {} {}",
                    s.n,
                    s.kind.name(),
                    s.tool.as_deref().unwrap_or("-"),
                    s.call_id.as_deref().unwrap_or("-"),
                    s.content
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                "1 system - - Answer from the docs.",
                "2 user - - How do I reset my password?",
                "3 tool_call search_docs call_s {\"query\":\"reset password\"}",
                "4 tool_result search_docs call_s Settings > Security > Reset.",
                "5 assistant - - Go to Settings > Security > Reset.",
            ]
        );
        // The second trace's tool run never got a result: its call stays unanswered.
        let messages: Vec<Message> = serde_json::from_value(items[1]["messages"].clone()).unwrap();
        let kinds: Vec<_> = steps(&messages).iter().map(|s| s.kind.name()).collect();
        assert_eq!(kinds, ["user", "tool_call"]);
    }
}
