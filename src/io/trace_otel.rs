//! OpenTelemetry GenAI spans, one trace into one conversation item.
//!
//! The attributes follow the OpenTelemetry semantic conventions for generative AI
//! (<https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-spans/>): a model call's
//! span carries `gen_ai.input.messages`, `gen_ai.output.messages` and
//! `gen_ai.system_instructions`, JSON following the schemas
//! <https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-input-messages.json> and
//! `gen-ai-output-messages.json`: messages `{role, parts}` with parts `text` {content},
//! `tool_call` {id, name, arguments}, `tool_call_response` {id, response}. A tool's own
//! span (`gen_ai.operation.name = execute_tool`,
//! <https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-spans/#execute-tool-span>)
//! carries `gen_ai.tool.name`, `gen_ai.tool.call.id`, `gen_ai.tool.call.arguments` and
//! `gen_ai.tool.call.result`.
//!
//! A line is one span, OTLP/JSON style (`traceId`, `spanId`, `parentSpanId`,
//! `startTimeUnixNano`, `attributes` as a list of `{key, value: {stringValue: ...}}`,
//! <https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding>) or as the SDKs'
//! console exporters print it (`context.trace_id`, `start_time`, `attributes` a plain
//! map); a line holding a whole OTLP request (`resourceSpans`) gives all its spans.
//! Spans of one `traceId` become one item, their pieces ordered by time: a span's input
//! when it starts, its output and a tool's result when it ends.

use serde_json::{Map, Value};

use super::trace::{Piece, Segment, arguments_text, call_of, conversation, result_message, text_message, time};
use crate::model::conversation::Message;

/// What tally keeps of a span.
pub(super) type Span = Segment;

fn lookup<'a>(fields: &'a Map<String, Value>, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().find_map(|key| match key.split_once('.') {
        Some((outer, inner)) => fields.get(outer).and_then(|outer| outer.get(inner)),
        None => fields.get(*key),
    })
}

const TRACE_ID: [&str; 3] = ["traceId", "trace_id", "context.trace_id"];
const SPAN_ID: [&str; 3] = ["spanId", "span_id", "context.span_id"];

/// Whether a record is a span (or an OTLP request holding spans).
pub(super) fn is_span(fields: &Map<String, Value>) -> bool {
    const SPAN_FIELDS: [&str; 5] = ["attributes", "startTimeUnixNano", "start_time", "startTime", "name"];
    fields.contains_key("resourceSpans")
        || (lookup(fields, &TRACE_ID).is_some()
            && lookup(fields, &SPAN_ID).is_some()
            && SPAN_FIELDS.iter().any(|field| fields.contains_key(*field)))
}

/// The trace ids of a record's spans (for [`super::trace::trace_ends`]).
pub(super) fn trace_ids(fields: &Map<String, Value>) -> Vec<String> {
    let id = |fields: &Map<String, Value>| match lookup(fields, &TRACE_ID) {
        Some(Value::String(id)) if !id.is_empty() => Some(id.clone()),
        _ => None,
    };
    let Some(resource_spans) = fields.get("resourceSpans") else {
        return id(fields).into_iter().collect();
    };
    span_objects(resource_spans).filter_map(id).collect()
}

/// The spans of an OTLP request's `resourceSpans`.
fn span_objects(resource_spans: &Value) -> impl Iterator<Item = &Map<String, Value>> {
    resource_spans
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|resource| {
            resource.get("scopeSpans").or_else(|| resource.get("instrumentationLibrarySpans")).and_then(Value::as_array)
        })
        .flatten()
        .flat_map(|scope| scope.get("spans").and_then(Value::as_array))
        .flatten()
        .filter_map(Value::as_object)
}

/// The spans of a record with their trace ids.
pub(super) fn spans(fields: Map<String, Value>) -> Result<Vec<(String, Span)>, String> {
    let Some(resource_spans) = fields.get("resourceSpans") else {
        return Ok(vec![span(&fields)?]);
    };
    span_objects(resource_spans).map(span).collect()
}

fn span(fields: &Map<String, Value>) -> Result<(String, Span), String> {
    let text = |keys: &[&str]| match lookup(fields, keys) {
        Some(Value::String(text)) if !text.is_empty() => Some(text.clone()),
        _ => None,
    };
    let trace = text(&TRACE_ID).ok_or("field `traceId` is missing (a span needs its trace id)")?;
    let id = text(&SPAN_ID).ok_or("field `spanId` is missing")?;
    let at = |message: String| format!("span `{id}`: {message}");
    let attributes = attributes(fields.get("attributes")).map_err(at)?;
    let attribute = |key: &str| attributes.get(key).filter(|value| !value.is_null());
    let string = |key: &str| attribute(key).and_then(Value::as_str).map(str::to_string);
    let name = text(&["name"]).unwrap_or_default();
    let operation = string("gen_ai.operation.name").unwrap_or_else(|| name.split(' ').next().unwrap_or("").to_string());

    let mut input = Vec::new();
    for key in ["gen_ai.system_instructions", "gen_ai.input.messages"] {
        if let Some(value) = attribute(key) {
            let value = json_attribute(value).map_err(|err| at(format!("attribute `{key}`: {err}")))?;
            if key == "gen_ai.system_instructions" {
                let text = crate::model::conversation::content_text(&parts_text(&value));
                input.push(text_message("system", text));
            } else {
                input.extend(super::trace::messages(&value, key).map_err(at)?);
            }
        }
    }
    let mut output = match attribute("gen_ai.output.messages") {
        Some(value) => {
            let value =
                json_attribute(value).map_err(|err| at(format!("attribute `gen_ai.output.messages`: {err}")))?;
            super::trace::messages(&value, "gen_ai.output.messages").map_err(at)?
        }
        None => Vec::new(),
    };
    // Before `gen_ai.input.messages`, instrumentations (OpenLLMetry among them) flattened
    // messages into indexed attributes.
    if input.is_empty() {
        input = flattened(&attributes, "gen_ai.prompt", "user");
    }
    if output.is_empty() {
        output = flattened(&attributes, "gen_ai.completion", "assistant");
    }
    let tool = (operation == "execute_tool").then(|| {
        let name = string("gen_ai.tool.name")
            .or_else(|| name.strip_prefix("execute_tool ").map(str::to_string))
            .unwrap_or_else(|| "tool".to_string());
        Piece::Tool {
            call_id: string("gen_ai.tool.call.id"),
            name,
            arguments: attribute("gen_ai.tool.call.arguments").map(arguments_text).unwrap_or_default(),
            result: attribute("gen_ai.tool.call.result").cloned(),
        }
    });
    let span = Span {
        id,
        parent: text(&["parentSpanId", "parent_span_id", "parent_id", "parentId"]),
        start: time(lookup(fields, &["startTimeUnixNano", "start_time", "startTime"])),
        end: time(lookup(fields, &["endTimeUnixNano", "end_time", "endTime"])),
        model: string("gen_ai.response.model").or_else(|| string("gen_ai.request.model")),
        input,
        output,
        tool,
    };
    Ok((trace, span))
}

/// Messages flattened into attributes, as OpenLLMetry writes them
/// (<https://www.traceloop.com/docs/openllmetry/contributing/semantic-conventions>):
/// `PREFIX.{i}.role`, `.content`, `.tool_call_id`, and `.tool_calls.{j}.id`, `.name`,
/// `.arguments`, in the order of `i`.
fn flattened(attributes: &Map<String, Value>, prefix: &str, role: &str) -> Vec<Message> {
    let mut indices: Vec<usize> = attributes
        .keys()
        .filter_map(|key| key.strip_prefix(prefix)?.strip_prefix('.')?.split('.').next()?.parse().ok())
        .collect();
    indices.sort_unstable();
    indices.dedup();
    let text = |key: String| attributes.get(&key).and_then(Value::as_str).map(str::to_string);
    indices
        .into_iter()
        .map(|i| {
            let at = format!("{prefix}.{i}");
            let mut calls = Vec::new();
            for j in 0.. {
                let Some(name) = text(format!("{at}.tool_calls.{j}.name")) else { break };
                let arguments = attributes.get(&format!("{at}.tool_calls.{j}.arguments")).map(arguments_text);
                calls.push(call_of(text(format!("{at}.tool_calls.{j}.id")), name, arguments.unwrap_or_default()));
            }
            Message {
                role: text(format!("{at}.role")).unwrap_or_else(|| role.to_string()),
                content: text(format!("{at}.content")).map_or(Value::Null, Value::String),
                tool_calls: calls,
                tool_call_id: text(format!("{at}.tool_call_id")),
                name: None,
            }
        })
        .collect()
}

/// A span's attributes as a map: OTLP/JSON's list of `{key, value: AnyValue}` or a plain
/// map.
fn attributes(value: Option<&Value>) -> Result<Map<String, Value>, String> {
    match value {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(map)) => Ok(map.clone()),
        Some(Value::Array(list)) => list
            .iter()
            .map(|pair| {
                let key =
                    pair.get("key").and_then(Value::as_str).ok_or("field `attributes`: an attribute has no `key`")?;
                Ok((key.to_string(), any_value(pair.get("value").unwrap_or(&Value::Null))))
            })
            .collect(),
        Some(_) => Err("field `attributes`: expected a list of {key, value} or an object".into()),
    }
}

/// An OTLP/JSON `AnyValue` as plain JSON.
fn any_value(value: &Value) -> Value {
    let Some(object) = value.as_object() else {
        return value.clone();
    };
    if let Some(text) = object.get("stringValue") {
        return text.clone();
    }
    if let Some(number) = object.get("intValue") {
        return match number {
            Value::String(text) => text.parse::<i64>().map_or_else(|_| number.clone(), Value::from),
            other => other.clone(),
        };
    }
    for key in ["doubleValue", "boolValue", "bytesValue"] {
        if let Some(value) = object.get(key) {
            return value.clone();
        }
    }
    if let Some(values) = object.get("arrayValue").and_then(|array| array.get("values")).and_then(Value::as_array) {
        return Value::Array(values.iter().map(any_value).collect());
    }
    if let Some(values) = object.get("kvlistValue").and_then(|list| list.get("values")) {
        return Value::Object(attributes(Some(values)).unwrap_or_default());
    }
    value.clone()
}

/// A JSON-valued attribute: exporters write it as a JSON string, or as the value itself.
fn json_attribute(value: &Value) -> Result<Value, String> {
    match value {
        Value::String(text) => serde_json::from_str(text).map_err(|err| format!("not valid JSON: {err}")),
        other => Ok(other.clone()),
    }
}

/// `gen_ai.system_instructions` parts (`{type: text, content}`) as content parts.
fn parts_text(value: &Value) -> Value {
    match value {
        Value::Array(parts) => Value::Array(
            parts
                .iter()
                .map(|part| match part.get("content") {
                    Some(Value::String(text)) => Value::String(text.clone()),
                    _ => part.clone(),
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// One GenAI message (`{role, parts}`) as OpenAI messages: its tool call responses (each
/// a `tool` message), then its text and tool calls. Reasoning parts are left out.
pub(super) fn message(object: &Map<String, Value>) -> Result<Vec<Message>, String> {
    let role = match object.get("role") {
        Some(Value::String(role)) if !role.is_empty() => role.clone(),
        _ => return Err("field `role` is missing".into()),
    };
    let mut results = Vec::new();
    let mut texts = Vec::new();
    let mut calls = Vec::new();
    for (index, part) in object.get("parts").and_then(Value::as_array).into_iter().flatten().enumerate() {
        let at = |message: &str| format!("part {}: {message}", index + 1);
        match part.get("type").and_then(Value::as_str).unwrap_or("") {
            "text" => texts.push(match part.get("content") {
                Some(Value::String(text)) => text.clone(),
                _ => String::new(),
            }),
            "tool_call" => {
                let name =
                    super::trace::text_field(part, "name").ok_or_else(|| at("a `tool_call` part has no `name`"))?;
                let arguments = part.get("arguments").map(arguments_text).unwrap_or_default();
                calls.push(call_of(super::trace::text_field(part, "id"), name, arguments));
            }
            "tool_call_response" => {
                let response = part.get("response").map(super::trace::result_content).unwrap_or(Value::Null);
                results.push(result_message(super::trace::text_field(part, "id"), None, response));
            }
            "reasoning" => {}
            "" => return Err(at("a part has no `type`")),
            other => texts.push(format!("[{other}]")),
        }
    }
    if !texts.is_empty() || !calls.is_empty() || results.is_empty() {
        let content = if texts.is_empty() { Value::Null } else { Value::String(texts.join("\n\n")) };
        results.push(Message { role, content, tool_calls: calls, tool_call_id: None, name: None });
    }
    Ok(results)
}

/// One trace's spans as the fields of a conversation item (`None` when no span holds a
/// message or a tool call: a trace of other work); metadata keeps
/// `trace_format = "otel"`, `trace_id`, `span_id` (the root span's) and `span_ids` (all,
/// in time order), and the model of the first model call.
pub(super) fn item(trace: String, spans: Vec<Span>) -> Option<Map<String, Value>> {
    conversation("otel", trace, spans, ("span_id", "span_ids"))
}

#[cfg(test)]
mod tests {
    //! Spans written from the GenAI semantic conventions
    //! (<https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-spans/>, the input and
    //! output message JSON schemas) in OTLP/JSON
    //! (<https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding>).
    use super::*;
    use crate::model::conversation::steps;

    fn trace_of(lines: &str) -> Map<String, Value> {
        let mut groups = super::super::trace::Groups::default();
        for (index, line) in lines.lines().enumerate() {
            let Value::Object(fields) = serde_json::from_str(line).unwrap() else { unreachable!() };
            assert!(is_span(&fields));
            for (trace, span) in spans(fields).unwrap() {
                groups.push(trace, index as u64 + 1, span);
            }
        }
        let mut items: Vec<_> = groups.into_groups().filter_map(|(trace, _, spans)| item(trace, spans)).collect();
        assert_eq!(items.len(), 1);
        items.remove(0)
    }

    #[test]
    fn spans_of_a_trace_become_one_conversation_in_time_order() {
        let fixture = std::fs::read_to_string("tests/data/traces/otel_spans.jsonl").unwrap();
        let fields = trace_of(&fixture);
        assert_eq!(fields["id"], "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(fields["metadata"]["span_id"], "a000000000000001");
        assert_eq!(fields["metadata"]["span_ids"].as_array().unwrap().len(), 5);
        assert_eq!(fields["metadata"]["model"], "gpt-4o-2024-08-06");
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
                "1 system - - You are a travel agent.",
                "2 user - - Weather in Paris, and book a table?",
                "3 tool_call get_weather call_w {\"location\":\"Paris\"}",
                "4 tool_call book_table call_b {\"when\": 7pm",
                // The booking answered first; each result is linked to its own call.
                "5 tool_result book_table call_b booked",
                "6 tool_result get_weather call_w rainy, 57F",
                "7 assistant - - Rainy in Paris; your table is booked.",
            ]
        );
    }

    /// A role the conventions do not name is kept as written; calls without ids get
    /// made-up ids that results link to; a tool span with no result is a call left
    /// unanswered; reasoning parts are left out.
    #[test]
    fn unknown_roles_missing_results_and_calls_without_ids() {
        let line = |span: &str, start: u64, attributes: Value| {
            serde_json::json!({"traceId": "t", "spanId": span, "startTimeUnixNano": start.to_string(),
                               "attributes": attributes})
            .to_string()
        };
        let lines = [
            line(
                "s1",
                1,
                serde_json::json!({"gen_ai.operation.name": "chat",
                    "gen_ai.input.messages": [{"role": "critic", "parts": [{"type": "text", "content": "be careful"}]},
                                              {"role": "user", "parts": [{"type": "text", "content": "go"}]}],
                    "gen_ai.output.messages": [{"role": "assistant", "parts": [
                        {"type": "reasoning", "content": "hmm"},
                        {"type": "tool_call", "name": "fetch", "arguments": {"url": "a"}},
                        {"type": "tool_call", "name": "fetch", "arguments": {"url": "b"}}]}]}),
            ),
            // A result without an id answers the oldest unanswered call (the source says
            // no more); the other call stays unanswered.
            line(
                "s2",
                2,
                serde_json::json!({"gen_ai.operation.name": "chat",
                    "gen_ai.input.messages": [{"role": "tool", "parts": [{"type": "tool_call_response", "response": {"ok": true}}]}]}),
            ),
            line("s3", 3, serde_json::json!({"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "lookup"})),
        ];
        let fields = trace_of(&lines.join("\n"));
        let messages: Vec<Message> = serde_json::from_value(fields["messages"].clone()).unwrap();
        let steps = steps(&messages);
        let summary: Vec<String> = steps
            .iter()
            .map(|s| format!("{} {} {} {}", s.kind.name(), s.role, s.call_id.as_deref().unwrap_or("-"), s.content))
            .collect();
        assert_eq!(
            summary,
            [
                "user critic - be careful",
                "user user - go",
                "tool_call assistant call_1 {\"url\":\"a\"}",
                "tool_call assistant call_2 {\"url\":\"b\"}",
                "tool_result tool call_1 {\"ok\":true}",
                "tool_call assistant call_3 ",
            ]
        );
    }

    /// OpenLLMetry's flattened attributes
    /// (<https://www.traceloop.com/docs/openllmetry/contributing/semantic-conventions>).
    #[test]
    fn flattened_prompt_and_completion_attributes() {
        let line = serde_json::json!({"traceId": "t", "spanId": "s", "name": "openai.chat", "attributes": {
            "gen_ai.prompt.0.role": "system", "gen_ai.prompt.0.content": "Be terse.",
            "gen_ai.prompt.1.role": "user", "gen_ai.prompt.1.content": "Weather in Oslo?",
            "gen_ai.completion.0.role": "assistant", "gen_ai.completion.0.finish_reason": "tool_calls",
            "gen_ai.completion.0.tool_calls.0.id": "call_9", "gen_ai.completion.0.tool_calls.0.name": "weather",
            "gen_ai.completion.0.tool_calls.0.arguments": "{\"city\": \"Oslo\"}"}});
        let fields = trace_of(&line.to_string());
        let messages: Vec<Message> = serde_json::from_value(fields["messages"].clone()).unwrap();
        let summary: Vec<String> = steps(&messages)
            .iter()
            .map(|s| format!("{} {} {}", s.kind.name(), s.call_id.as_deref().unwrap_or("-"), s.content))
            .collect();
        assert_eq!(summary, ["system - Be terse.", "user - Weather in Oslo?", "tool_call call_9 {\"city\": \"Oslo\"}"]);
    }

    #[test]
    fn bad_messages_json_names_the_span_and_attribute() {
        let line = r#"{"traceId":"t","spanId":"s","attributes":[{"key":"gen_ai.input.messages","value":{"stringValue":"[{"}}]}"#;
        let Value::Object(fields) = serde_json::from_str(line).unwrap() else { unreachable!() };
        let err = spans(fields).unwrap_err();
        assert!(err.starts_with("span `s`: attribute `gen_ai.input.messages`: not valid JSON"), "{err}");
    }
}
