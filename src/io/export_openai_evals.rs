//! Golden sets as OpenAI evals samples: JSONL, each `{"input": [chat messages], "ideal":
//! "..."}`, as the `Match`/`Includes` templates and model-graded evals read them
//! (https://github.com/openai/evals/blob/main/docs/build-eval.md).

use serde_json::{Value, json};

use super::harness::Sample;
use crate::model::Kind;

pub(super) fn sample(sample: &Sample) -> Value {
    let mut messages = Vec::new();
    if let Some(criterion) = sample.criterion() {
        // A judge set: the system message asks the criterion's question, with the answers
        // the human consensus is written in, so `ideal` can match exactly.
        let answers = match criterion.kind {
            Kind::Number => "a number".to_string(),
            _ => {
                format!("one of: {}", criterion.options.iter().map(|o| o.value.as_str()).collect::<Vec<_>>().join(", "))
            }
        };
        let question = if criterion.question.is_empty() { criterion.id.as_str() } else { criterion.question.as_str() };
        messages
            .push(json!({"role": "system", "content": format!("{question} Reply with {answers}, and nothing else.")}));
    }
    messages.push(json!({"role": "user", "content": sample.prompt()}));
    json!({"input": messages, "ideal": sample.value})
}
