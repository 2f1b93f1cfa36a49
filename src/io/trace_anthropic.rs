//! Anthropic Messages API conversations, into OpenAI-shape messages.
//!
//! The shape follows Anthropic's Messages API reference
//! (<https://docs.anthropic.com/en/api/messages>) and its tool-use guide
//! (<https://docs.anthropic.com/en/docs/build-with-claude/tool-use/overview>): a
//! top-level `system` (a string or text blocks), `messages` of role `user` or
//! `assistant` whose `content` is a string or a list of blocks: `text` {text},
//! `tool_use` {id, name, input} in the assistant's turn, `tool_result` {tool_use_id,
//! content (a string or blocks), is_error} in the user's turn that follows. A record may
//! also carry the model's reply as `response`, a Messages API response object ({id,
//! role, content, model, stop_reason}).
//!
//! A `tool_use` becomes an OpenAI tool call (its `input` object serialised as the
//! `arguments` string), a `tool_result` a `tool` message answering it, placed before the
//! text of the user turn it came in. `thinking` blocks are left out (they are not what
//! the model said); other blocks (images, documents) stay as parts, shown by type.

use serde_json::{Map, Value};

use super::trace::{arguments_text, call_of, result_message, text_field};
use crate::model::conversation::{Message, content_text};

const TOOL_BLOCKS: [&str; 4] = ["tool_use", "tool_result", "thinking", "redacted_thinking"];

/// Whether a message's content holds Anthropic tool or thinking blocks.
pub(super) fn has_blocks(message: &Map<String, Value>) -> bool {
    match message.get("content") {
        Some(Value::Array(blocks)) => blocks
            .iter()
            .any(|block| block.get("type").and_then(Value::as_str).is_some_and(|kind| TOOL_BLOCKS.contains(&kind))),
        _ => false,
    }
}

/// Whether a record looks like an Anthropic conversation: `messages` with tool blocks,
/// or with a top-level `system` (OpenAI puts the system prompt among the messages).
pub(super) fn looks_like(fields: &Map<String, Value>) -> bool {
    let Some(Value::Array(messages)) = fields.get("messages") else {
        return false;
    };
    let objects = || messages.iter().filter_map(Value::as_object);
    let no_system_message = objects().all(|m| m.get("role").and_then(Value::as_str) != Some("system"));
    (fields.contains_key("system") && no_system_message) || objects().any(has_blocks)
}

/// One Anthropic message as OpenAI messages: its tool results (each a `tool` message),
/// then its text and tool calls.
pub(super) fn message(object: &Map<String, Value>) -> Result<Vec<Message>, String> {
    let role = match object.get("role") {
        Some(Value::String(role)) if !role.is_empty() => role.clone(),
        _ => return Err("field `role` is missing".into()),
    };
    let blocks = match object.get("content") {
        Some(Value::Array(blocks)) => blocks,
        Some(Value::String(text)) => return Ok(vec![super::trace::text_message(&role, text.clone())]),
        Some(Value::Null) | None => return Ok(vec![super::trace::text_message(&role, String::new())]),
        Some(_) => return Err("field `content`: expected a string or a list of content blocks".into()),
    };
    let mut results = Vec::new();
    let mut parts = Vec::new();
    let mut calls = Vec::new();
    for (index, block) in blocks.iter().enumerate() {
        let at = |message: &str| format!("content block {}: {message}", index + 1);
        let kind = block.get("type").and_then(Value::as_str).unwrap_or("");
        match kind {
            "text" => parts.push(block.get("text").cloned().unwrap_or(Value::String(String::new()))),
            "tool_use" => {
                let name = text_field(block, "name").ok_or_else(|| at("a `tool_use` block has no `name`"))?;
                let arguments = block.get("input").map(arguments_text).unwrap_or_default();
                calls.push(call_of(text_field(block, "id"), name, arguments));
            }
            "tool_result" => {
                let content = block.get("content").map(content_text).unwrap_or_default();
                let content = if block.get("is_error").and_then(Value::as_bool) == Some(true) {
                    format!("[error] {content}")
                } else {
                    content
                };
                results.push(result_message(text_field(block, "tool_use_id"), None, Value::String(content)));
            }
            "thinking" | "redacted_thinking" => {}
            "" => return Err(at("a content block has no `type`")),
            other => parts.push(serde_json::json!({"type": other})),
        }
    }
    let text_only = parts.iter().all(Value::is_string);
    let content = if parts.is_empty() {
        Value::Null
    } else if text_only {
        Value::String(parts.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("\n\n"))
    } else {
        Value::Array(
            parts
                .into_iter()
                .map(|part| match part {
                    Value::String(text) => serde_json::json!({"type": "text", "text": text}),
                    other => other,
                })
                .collect(),
        )
    };
    if !content.is_null() || !calls.is_empty() || results.is_empty() {
        results.push(Message { role, content, tool_calls: calls, tool_call_id: None, name: None });
    }
    Ok(results)
}

/// An Anthropic record as the fields of a conversation item: `system`, `messages` and
/// `response` become OpenAI-shape `messages`; the response's id goes to metadata
/// (`message_id`) with `trace_format = "anthropic"`.
pub(super) fn record(mut fields: Map<String, Value>) -> Result<Map<String, Value>, String> {
    let mut messages = Vec::new();
    match fields.remove("system") {
        None | Some(Value::Null) => {}
        Some(system) => {
            let text = content_text(&system);
            if !text.is_empty() {
                messages.push(super::trace::text_message("system", text));
            }
        }
    }
    let list = match fields.remove("messages") {
        Some(Value::Array(list)) => list,
        Some(_) => return Err("field `messages`: expected a list of messages".into()),
        None => return Err("field `messages` is missing (--from anthropic reads Messages API requests)".into()),
    };
    for (index, value) in list.iter().enumerate() {
        let object =
            value.as_object().ok_or_else(|| format!("field `messages`: message {}: expected an object", index + 1))?;
        messages.extend(message(object).map_err(|err| format!("field `messages`: message {}: {err}", index + 1))?);
    }
    let mut metadata = match fields.remove("metadata") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(metadata)) => metadata,
        Some(_) => return Err("field `metadata`: expected an object".into()),
    };
    if let Some(response) = fields.remove("response").filter(|value| !value.is_null()) {
        let mut object = match response {
            Value::Object(object) => object,
            _ => return Err("field `response`: expected a Messages API response object".into()),
        };
        object.entry("role").or_insert_with(|| Value::String("assistant".into()));
        messages.extend(message(&object).map_err(|err| format!("field `response`: {err}"))?);
        if let Some(id) = text_field(&Value::Object(object.clone()), "id") {
            metadata.insert("message_id".into(), Value::String(id));
        }
        if let Some(model) = object.get("model").filter(|model| model.is_string()) {
            metadata.entry("model").or_insert_with(|| model.clone());
        }
    }
    if messages.is_empty() {
        return Err("field `messages`: a conversation needs at least one message".into());
    }
    metadata.insert("trace_format".into(), Value::String("anthropic".into()));
    fields.insert("messages".into(), serde_json::to_value(messages).map_err(|err| err.to_string())?);
    fields.insert("metadata".into(), Value::Object(metadata));
    Ok(fields)
}

#[cfg(test)]
mod tests {
    //! Records written from the Messages API reference and the tool-use guide
    //! (<https://docs.anthropic.com/en/api/messages>,
    //! <https://docs.anthropic.com/en/docs/build-with-claude/tool-use/overview>).
    use super::*;
    use crate::model::conversation::steps;
    use serde_json::json;

    fn fields(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => unreachable!(),
        }
    }

    fn converted(value: Value) -> Vec<Message> {
        let fields = record(fields(value)).unwrap();
        serde_json::from_value(fields["messages"].clone()).unwrap()
    }

    #[test]
    fn tool_use_and_tool_result_blocks_become_calls_and_linked_results() {
        let record = json!({
            "id": "conv-1",
            "system": [{"type": "text", "text": "You are a weather bot."}],
            "messages": [
                {"role": "user", "content": "Weather in Paris and Oslo?"},
                {"role": "assistant", "content": [
                    {"type": "thinking", "thinking": "two lookups", "signature": "x"},
                    {"type": "text", "text": "Checking both."},
                    {"type": "tool_use", "id": "toolu_01", "name": "get_weather", "input": {"city": "Paris"}},
                    {"type": "tool_use", "id": "toolu_02", "name": "get_weather", "input": {"city": "Oslo"}}]},
                // The results come back in the other order, one an error.
                {"role": "user", "content": [
                    {"type": "tool_result", "tool_use_id": "toolu_02", "content": [{"type": "text", "text": "-3C"}]},
                    {"type": "tool_result", "tool_use_id": "toolu_01", "content": "timeout", "is_error": true},
                    {"type": "text", "text": "Thanks"}]}
            ],
            "response": {"id": "msg_01", "type": "message", "role": "assistant", "model": "claude-x",
                         "content": [{"type": "text", "text": "Oslo is -3C; Paris timed out."}]}
        });
        assert!(looks_like(&fields(record.clone())));
        let fields = super::record(fields(record)).unwrap();
        assert_eq!(fields["metadata"]["message_id"], "msg_01");
        assert_eq!(fields["metadata"]["model"], "claude-x");
        assert_eq!(fields["metadata"]["trace_format"], "anthropic");
        let messages: Vec<Message> = serde_json::from_value(fields["messages"].clone()).unwrap();
        let steps = steps(&messages);
        let summary: Vec<String> = steps
            .iter()
            .map(|s| format!("{} {} {} {}", s.n, s.kind.name(), s.call_id.as_deref().unwrap_or("-"), s.content))
            .collect();
        assert_eq!(
            summary,
            [
                "1 system - You are a weather bot.",
                "2 user - Weather in Paris and Oslo?",
                "3 assistant - Checking both.",
                "4 tool_call toolu_01 {\"city\":\"Paris\"}",
                "5 tool_call toolu_02 {\"city\":\"Oslo\"}",
                "6 tool_result toolu_02 -3C",
                "7 tool_result toolu_01 [error] timeout",
                "8 user - Thanks",
                "9 assistant - Oslo is -3C; Paris timed out.",
            ]
        );
        // Results out of order still name their own call's tool.
        assert_eq!(steps[5].tool.as_deref(), Some("get_weather"));
    }

    #[test]
    fn a_missing_result_and_an_unknown_role_are_kept_as_they_are() {
        let messages = converted(json!({"system": "s", "messages": [
            {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "lookup", "input": {}}]},
            {"role": "narrator", "content": "meanwhile"}]}));
        let steps = steps(&messages);
        assert_eq!(steps.iter().map(|s| s.kind.name()).collect::<Vec<_>>(), ["system", "tool_call", "user"]);
        assert_eq!(steps[2].role, "narrator");
    }

    #[test]
    fn errors_name_the_field() {
        for (record, expected) in [
            (json!({"system": "s"}), "field `messages` is missing"),
            (
                json!({"messages": [{"role": "assistant", "content": [{"type": "tool_use", "id": "t"}]}]}),
                "field `messages`: message 1: content block 1: a `tool_use` block has no `name`",
            ),
            (json!({"messages": [{"content": "x"}]}), "field `messages`: message 1: field `role` is missing"),
        ] {
            let err = record_err(record);
            assert!(err.contains(expected), "{err}");
        }
    }

    fn record_err(value: Value) -> String {
        record(fields(value)).unwrap_err()
    }
}
