//! Golden sets as a promptfoo tests file: JSONL, one test case a line (`description`,
//! `vars`, `assert`, `metadata`), used as `tests: file://FILE.jsonl` in
//! promptfooconfig.yaml (https://www.promptfoo.dev/docs/configuration/test-cases).
//! Prompts refer to `{{input}}`, `{{output}}`, `{{context}}`, `{{reference}}` or the
//! assembled `{{prompt}}`.

use serde_json::{Value, json};

use super::harness::{Sample, Target};

pub(super) fn test_case(sample: &Sample) -> Value {
    let line = sample.line;
    let mut vars = serde_json::Map::new();
    vars.insert("input".into(), Value::from(line.input));
    vars.insert("output".into(), Value::from(line.output));
    vars.insert("context".into(), Value::from(line.context.join("\n\n")));
    vars.insert("reference".into(), Value::from(line.reference.unwrap_or_default()));
    vars.insert("prompt".into(), Value::from(sample.prompt()));
    // A judge set expects the humans' verdict word for word; a reference set asks an
    // LLM grader whether the answer is consistent with the reference (`factuality`).
    let assertion = match sample.target {
        Target::Criterion(_) => json!({"type": "equals", "value": sample.value}),
        Target::Reference => json!({"type": "factuality", "value": sample.value}),
    };
    let mut metadata = serde_json::Map::new();
    metadata.insert("id".into(), Value::from(line.id));
    metadata.insert("dataset".into(), Value::from(line.dataset));
    if let Some(criterion) = sample.criterion() {
        metadata.insert("criterion".into(), Value::from(criterion.id.as_str()));
    }
    json!({
        "description": line.id,
        "vars": vars,
        "assert": [assertion],
        "metadata": metadata,
    })
}
