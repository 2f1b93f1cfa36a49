//! Langfuse traces, one a line, with their observations, into conversation items.
//!
//! The shape is a trace as Langfuse's public API returns it
//! (`GET /api/public/traces/{traceId}`, <https://api.reference.langfuse.com/>) and its
//! data model (<https://langfuse.com/docs/observability/data-model>): `id`, `name`,
//! `input`, `output`, `sessionId`, `userId`, `tags`, `metadata`, and `observations`,
//! each `{id, type, name, startTime, endTime, parentObservationId, input, output,
//! model, metadata}` with `type` GENERATION (a model call: `input` the messages it was
//! given, `output` its reply), TOOL (a tool run: `input` its arguments, `output` its
//! result), SPAN, EVENT and the other kinds, which hold no conversation and are left out.
//! The trace's own `input` and `output` are used only when no observation holds
//! messages.

use serde_json::{Map, Value};

use super::trace::{Piece, Pieces, arguments_text, item_fields, output_messages, text_field, time};

/// A Langfuse trace as the fields of a conversation item; metadata keeps
/// `trace_format = "langfuse"`, `trace_id`, `observation_ids` (time order), the trace's
/// `name`, `sessionId`, `userId`, `tags` and `metadata`, and the first generation's
/// `model`.
pub(super) fn record(mut fields: Map<String, Value>) -> Result<Map<String, Value>, String> {
    let trace = text_field(&Value::Object(fields.clone()), "id").ok_or("field `id` is missing (the trace's id)")?;
    let observations = match fields.remove("observations") {
        Some(Value::Array(list)) => list,
        _ => return Err("field `observations`: expected a list of observations".into()),
    };
    let mut timed = Vec::new();
    for (index, observation) in observations.into_iter().enumerate() {
        let at = |message: String| format!("field `observations`: observation {}: {message}", index + 1);
        let Value::Object(observation) = observation else {
            return Err(at("expected an object (export the trace with its observations, \
                          as GET /api/public/traces/{traceId} returns it)"
                .into()));
        };
        let start = time(observation.get("startTime"));
        timed.push((start, index, observation));
    }
    timed.sort_by_key(|(start, index, _)| (start.unwrap_or(i128::MIN), *index));

    let mut pieces = Pieces::default();
    let mut ids = Vec::new();
    let mut model = None;
    for (start, index, observation) in &timed {
        let at = |message: String| format!("field `observations`: observation {}: {message}", index + 1);
        let object = Value::Object(observation.clone());
        if let Some(id) = text_field(&object, "id") {
            ids.push(Value::String(id));
        }
        let end = time(observation.get("endTime")).or(*start);
        let kind = observation.get("type").and_then(Value::as_str).unwrap_or("").to_ascii_uppercase();
        match kind.as_str() {
            "GENERATION" => {
                if model.is_none() {
                    model = observation.get("model").filter(|model| model.is_string()).cloned();
                }
                let input = match observation.get("input") {
                    None | Some(Value::Null) => Vec::new(),
                    Some(Value::Object(input)) if input.contains_key("messages") => {
                        super::trace::messages(&input["messages"], "input.messages").map_err(at)?
                    }
                    // Any other object (a prompt's variables, a call's keyword arguments)
                    // is what the model was given, shown as JSON.
                    Some(Value::Object(input)) if !input.contains_key("role") && !input.contains_key("type") => {
                        vec![super::trace::text_message("user", Value::Object(input.clone()).to_string())]
                    }
                    Some(input) => super::trace::messages(input, "input").map_err(at)?,
                };
                if !input.is_empty() {
                    pieces.push(*start, Piece::Messages(input));
                }
                let output =
                    output_messages(observation.get("output").unwrap_or(&Value::Null), "output").map_err(at)?;
                if !output.is_empty() {
                    pieces.push(end, Piece::Messages(output));
                }
            }
            "TOOL" => {
                let name = text_field(&object, "name").unwrap_or_else(|| "tool".into());
                let call_id = observation.get("metadata").and_then(|metadata| {
                    text_field(metadata, "tool_call_id").or_else(|| text_field(metadata, "toolCallId"))
                });
                let arguments = observation.get("input").map(arguments_text).unwrap_or_default();
                let result = observation.get("output").filter(|output| !output.is_null()).cloned();
                pieces.push(end, Piece::Tool { call_id, name, arguments, result });
            }
            _ => {}
        }
    }
    let mut messages = pieces.transcript();
    if messages.is_empty() {
        let input = fields.get("input").filter(|input| !input.is_null());
        if let Some(input) = input {
            messages.extend(super::trace::messages(input, "input")?);
        }
        messages.extend(output_messages(fields.get("output").unwrap_or(&Value::Null), "output")?);
    }
    if messages.is_empty() {
        return Err("field `observations`: no generation or tool holds a message, and the trace has no input".into());
    }
    let mut metadata = Map::new();
    metadata.insert("trace_format".into(), Value::from("langfuse"));
    metadata.insert("trace_id".into(), Value::from(trace.as_str()));
    metadata.insert("observation_ids".into(), Value::Array(ids));
    for key in ["name", "sessionId", "userId", "tags", "release", "version", "metadata"] {
        if let Some(value) = fields.remove(key).filter(|value| !value.is_null()) {
            metadata.insert(key.into(), value);
        }
    }
    if let Some(model) = model {
        metadata.insert("model".into(), model);
    }
    Ok(item_fields(trace, messages, metadata))
}

#[cfg(test)]
mod tests {
    //! A trace written from Langfuse's API reference (`GET /api/public/traces/{traceId}`,
    //! <https://api.reference.langfuse.com/>) and data model
    //! (<https://langfuse.com/docs/observability/data-model>).
    use super::*;
    use crate::model::conversation::{Message, steps};

    #[test]
    fn generations_and_tool_observations_become_one_conversation() {
        let line = std::fs::read_to_string("tests/data/traces/langfuse_trace.jsonl").unwrap();
        let Value::Object(fields) = serde_json::from_str(line.trim()).unwrap() else { unreachable!() };
        assert_eq!(super::super::trace::TraceFormat::detect(&fields), Some(super::super::trace::TraceFormat::Langfuse));
        let fields = record(fields).unwrap();
        assert_eq!(fields["id"], "lf-trace-1");
        let metadata = &fields["metadata"];
        assert_eq!(metadata["trace_id"], "lf-trace-1");
        assert_eq!(
            metadata["observation_ids"],
            serde_json::json!(["obs-agent", "obs-gen-1", "obs-tool-1", "obs-gen-2", "obs-event"])
        );
        assert_eq!((metadata["userId"].as_str(), metadata["model"].as_str()), (Some("u-77"), Some("gpt-4o-mini")));
        let messages: Vec<Message> = serde_json::from_value(fields["messages"].clone()).unwrap();
        let summary: Vec<String> = steps(&messages)
            .iter()
            .map(|s| format!("{} {} {} {}", s.n, s.kind.name(), s.call_id.as_deref().unwrap_or("-"), s.content))
            .collect();
        assert_eq!(
            summary,
            [
                "1 system - You help with orders.",
                "2 user - Where is order 42?",
                // The call has no id in the source: one is made up and the tool's result,
                // recorded as its own observation, links to it.
                "3 tool_call call_1 {\"order\":42}",
                "4 tool_result call_1 {\"status\":\"shipped\"}",
                "5 assistant - Order 42 has shipped.",
            ]
        );
    }

    /// A generation given a plain prompt string, or an object that is not a message,
    /// still reads: what the model was given is shown as it was logged.
    #[test]
    fn prompts_that_are_not_messages() {
        for (input, expected) in [
            (serde_json::json!("Summarise: ..."), "Summarise: ..."),
            (serde_json::json!({"topic": "tides"}), "{\"topic\":\"tides\"}"),
        ] {
            let Value::Object(fields) = serde_json::json!({"id": "t", "observations": [
                {"id": "g", "type": "GENERATION", "input": input, "output": "Done."}]})
            else {
                unreachable!()
            };
            let fields = record(fields).unwrap();
            let messages: Vec<Message> = serde_json::from_value(fields["messages"].clone()).unwrap();
            let texts: Vec<String> = messages.iter().map(|m| format!("{}: {}", m.role, m.text())).collect();
            assert_eq!(texts, [format!("user: {expected}"), "assistant: Done.".to_string()]);
        }
    }

    #[test]
    fn observations_as_bare_ids_are_refused_with_a_hint() {
        let Value::Object(fields) = serde_json::json!({"id": "t", "observations": ["o1"]}) else { unreachable!() };
        let err = record(fields).unwrap_err();
        assert!(err.starts_with("field `observations`: observation 1: expected an object"), "{err}");
    }
}
