//! Labels sent back to Langfuse: JSONL, one score object a line, each the body of a
//! `POST /api/public/scores` (`traceId`, `observationId`, `name`, `value`, `dataType`
//! NUMERIC or CATEGORICAL, `comment`; https://langfuse.com/docs/scores/custom and the
//! API reference https://api.reference.langfuse.com/#tag/score/POST/api/public/scores).
//! The `id` is derived from the trace, observation and criterion, so sending a file
//! twice updates the scores instead of doubling them.

use serde_json::{Value, json};

use super::export::GoldenItem;
use super::harness::{Score, trace_ids};
use crate::model::Rubric;

/// The item's scores (a JSON array, one line each), or `None` without a trace id.
pub(super) fn scores(line: &GoldenItem, rubric: &Rubric) -> Option<Value> {
    let (trace, observation) = trace_ids(line)?;
    let lines: Vec<Value> = super::harness::scores(line, rubric)
        .map(|(criterion, score, comment)| {
            let (value, data_type) = match score {
                Score::Number(number) => (Value::from(number), "NUMERIC"),
                Score::Label(label) => (Value::from(label), "CATEGORICAL"),
            };
            let key = format!("{trace}\0{}\0{}", observation.as_deref().unwrap_or(""), criterion.id);
            let id = format!("tally-{}", &crate::model::sha256_hex(key.as_bytes())[..32]);
            let mut score = json!({
                "id": id,
                "traceId": trace,
                "name": criterion.id,
                "value": value,
                "dataType": data_type,
                "comment": comment,
            });
            if let (Some(observation), Some(object)) = (&observation, score.as_object_mut()) {
                object.insert("observationId".into(), Value::from(observation.as_str()));
            }
            score
        })
        .collect();
    (!lines.is_empty()).then_some(Value::Array(lines))
}
