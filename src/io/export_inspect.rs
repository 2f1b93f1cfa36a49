//! Golden sets as Inspect AI samples, JSONL read by `json_dataset("FILE.jsonl")` as it
//! is: `input` (str), `target` (str), `id` (str), `metadata` (dict), the fields of
//! `inspect_ai.dataset.Sample` (https://inspect.aisi.org.uk/datasets.html).

use serde_json::{Value, json};

use super::harness::Sample;

pub(super) fn sample(sample: &Sample) -> Value {
    json!({
        "id": sample.line.id,
        "input": sample.prompt(),
        "target": sample.value,
        "metadata": sample.metadata(),
    })
}
