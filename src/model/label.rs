//! The value of one label, typed by its criterion's kind.

use std::collections::BTreeSet;

use serde_json::Value;

/// What a rater answered for one criterion of one item.
#[derive(Debug, Clone, PartialEq)]
pub enum LabelValue {
    /// The option value chosen for a binary, ordinal or nominal criterion.
    Choice(String),
    /// The options chosen for a tags criterion; empty means "none apply".
    Tags(BTreeSet<String>),
    Number(f64),
    Text(String),
}

impl LabelValue {
    /// The JSON form used in the store and in exported files: a string, an array of
    /// strings, or a number. The criterion's kind tells the two string forms apart.
    pub fn to_json(&self) -> Value {
        match self {
            LabelValue::Choice(value) | LabelValue::Text(value) => Value::String(value.clone()),
            LabelValue::Tags(tags) => Value::Array(tags.iter().cloned().map(Value::String).collect()),
            LabelValue::Number(number) => number_json(*number),
        }
    }

    /// A short human form: tags joined by ", ", numbers without a needless ".0".
    pub fn display(&self) -> String {
        match self {
            LabelValue::Choice(value) | LabelValue::Text(value) => value.clone(),
            LabelValue::Tags(tags) if tags.is_empty() => "(none)".to_string(),
            LabelValue::Tags(tags) => tags.iter().cloned().collect::<Vec<_>>().join(", "),
            LabelValue::Number(number) => format_number(*number),
        }
    }
}

/// The key a step-scope label is stored under: the criterion id, `@`, the step number
/// (`tool_ok@3`). Criterion ids cannot hold `@`, so keys never clash, and every query
/// that takes the newest event per (item, rater, criterion) takes it per step as well.
pub fn step_key(criterion: &str, step: u32) -> String {
    format!("{criterion}@{step}")
}

/// Splits a stored criterion key into the criterion id and, for a step-scope label, the
/// step: `tool_ok@3` gives `("tool_ok", Some(3))`, `correct` gives `("correct", None)`.
pub fn split_step_key(key: &str) -> (&str, Option<u32>) {
    match key.split_once('@') {
        Some((criterion, step)) => match step.parse() {
            Ok(step) => (criterion, Some(step)),
            Err(_) => (key, None),
        },
        None => (key, None),
    }
}

/// A finite number as JSON, integral values as integers so that `4` stays `4`.
pub fn number_json(number: f64) -> Value {
    if number.fract() == 0.0 && number.abs() < 9.0e15 {
        Value::from(number as i64)
    } else {
        serde_json::Number::from_f64(number).map_or(Value::Null, Value::Number)
    }
}

pub fn format_number(number: f64) -> String {
    if number.fract() == 0.0 && number.abs() < 9.0e15 { format!("{}", number as i64) } else { format!("{number}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_keys_round_trip_and_plain_ids_have_no_step() {
        assert_eq!(step_key("tool_ok", 3), "tool_ok@3");
        assert_eq!(split_step_key("tool_ok@3"), ("tool_ok", Some(3)));
        assert_eq!(split_step_key("correct"), ("correct", None));
        assert_eq!(split_step_key("odd@x"), ("odd@x", None));
    }

    #[test]
    fn json_forms() {
        let tags: BTreeSet<String> = ["b".to_string(), "a".to_string()].into();
        assert_eq!(LabelValue::Tags(tags).to_json(), serde_json::json!(["a", "b"]));
        assert_eq!(LabelValue::Number(4.0).to_json(), serde_json::json!(4));
        assert_eq!(LabelValue::Number(2.5).to_json(), serde_json::json!(2.5));
        assert_eq!(LabelValue::Choice("pass".into()).to_json(), serde_json::json!("pass"));
    }
}
