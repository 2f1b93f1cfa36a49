//! Labels sent back as OpenTelemetry GenAI evaluation events: JSONL, one OTLP/JSON
//! `ExportLogsServiceRequest` a line (the OTLP file exporter's shape), each item's
//! `gen_ai.evaluation.result` events tied to the trace and span kept at import, with
//! `gen_ai.evaluation.name`, `gen_ai.evaluation.score.value` or
//! `gen_ai.evaluation.score.label`, and `gen_ai.evaluation.explanation`
//! (https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-events/,
//! https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding).

use serde_json::{Value, json};

use super::export::GoldenItem;
use super::harness::{Score, scores, trace_ids};
use crate::model::Rubric;

fn attribute(key: &str, value: Value) -> Value {
    let value = match value {
        Value::Number(number) => json!({"doubleValue": number}),
        other => json!({"stringValue": other}),
    };
    json!({"key": key, "value": value})
}

/// The item's events as one OTLP logs request, or `None` without a trace id.
pub(super) fn events(line: &GoldenItem, rubric: &Rubric) -> Option<Value> {
    let (trace, span) = trace_ids(line)?;
    let records: Vec<Value> = scores(line, rubric)
        .map(|(criterion, score, explanation)| {
            let mut attributes = vec![attribute("gen_ai.evaluation.name", Value::from(criterion.id.as_str()))];
            attributes.push(match score {
                Score::Number(number) => attribute("gen_ai.evaluation.score.value", Value::from(number)),
                Score::Label(label) => attribute("gen_ai.evaluation.score.label", Value::from(label)),
            });
            attributes.push(attribute("gen_ai.evaluation.explanation", Value::from(explanation)));
            let mut record =
                json!({"eventName": "gen_ai.evaluation.result", "traceId": trace, "attributes": attributes});
            if let (Some(span), Some(object)) = (&span, record.as_object_mut()) {
                object.insert("spanId".into(), Value::from(span.as_str()));
            }
            record
        })
        .collect();
    if records.is_empty() {
        return None;
    }
    Some(json!({"resourceLogs": [{
        "resource": {"attributes": [attribute("service.name", Value::from("tally"))]},
        "scopeLogs": [{"scope": {"name": "tally", "version": env!("CARGO_PKG_VERSION")}, "logRecords": records}]
    }]}))
}
