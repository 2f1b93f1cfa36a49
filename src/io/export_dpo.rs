//! Golden sets as preference pairs for DPO-style training: JSONL, one
//! `{"prompt", "chosen", "rejected"}` line per comparison item whose human consensus
//! prefers one candidate, TRL's standard preference format
//! (https://huggingface.co/docs/trl/main/en/dataset_formats#preference). The consensus
//! is the golden set's (`decide_item`); `a` is the item's first candidate. Ties, both
//! bad and items without a consensus give no pair, and the manifest counts them.

use serde_json::{Value, json};

use super::export::GoldenItem;
use crate::model::{Kind, Rubric};

/// Why an item gave no pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LeftOut {
    Tie,
    BothBad,
    /// Not a comparison, or no consensus on the preference (the raters split evenly).
    NoTarget,
}

/// The preference criterion pairs are read from: `--target`, else the rubric's first.
pub fn criterion(given: Option<&str>, rubric: &Rubric) -> Result<usize, String> {
    let preference: Vec<&str> =
        rubric.criteria.iter().filter(|c| c.kind == Kind::Preference).map(|c| c.id.as_str()).collect();
    match given {
        Some(id) => match rubric.criteria.iter().position(|c| c.id == id) {
            Some(index) if rubric.criteria[index].kind == Kind::Preference => Ok(index),
            _ => Err(format!(
                "--target {id}: --format dpo reads a preference criterion of rubric `{}` ({})",
                rubric.name,
                if preference.is_empty() { "it has none".to_string() } else { preference.join(", ") }
            )),
        },
        None => rubric.criteria.iter().position(|c| c.kind == Kind::Preference).ok_or_else(|| {
            format!("--format dpo: rubric `{}` has no preference criterion to read pairs from", rubric.name)
        }),
    }
}

/// The item's pair, or why it has none.
pub(super) fn pair(line: &GoldenItem, rubric: &Rubric, index: usize) -> Result<Value, LeftOut> {
    let [a, b] = line.candidates else { return Err(LeftOut::NoTarget) };
    let criterion = rubric.criteria.get(index).ok_or(LeftOut::NoTarget)?;
    let (chosen, rejected) = match line.labels.get(criterion.id.as_str()).and_then(Value::as_str) {
        Some("a" | "a_much" | "a_slightly") => (a, b),
        Some("b" | "b_much" | "b_slightly") => (b, a),
        Some("tie") => return Err(LeftOut::Tie),
        Some("both_bad") => return Err(LeftOut::BothBad),
        _ => return Err(LeftOut::NoTarget),
    };
    Ok(json!({"prompt": line.input, "chosen": chosen.text(), "rejected": rejected.text()}))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::comparison::Candidate;
    use crate::model::{Item, Shape};

    fn rubric(scale: &str) -> Rubric {
        let toml = format!("name = \"p\"\nversion = 1\n[[criteria]]\nid = \"pref\"\nkind = \"preference\"\n{scale}");
        Rubric::from_toml(&toml, "p.toml").unwrap()
    }

    fn item() -> Item {
        let candidate =
            |id: &str, output: &str| Candidate { id: id.into(), output: output.into(), ..Candidate::default() };
        Item {
            id: "q1".into(),
            input: "Name a prime".into(),
            shape: Shape::Comparison { candidates: vec![candidate("v1", "2"), candidate("v2", "4")] },
            ..Item::default()
        }
    }

    fn pair_for(value: Option<&str>, rubric: &Rubric) -> Result<Value, LeftOut> {
        let item = item();
        let mut line = GoldenItem::new(&item);
        if let Some(value) = value {
            line.labels.insert("pref", Value::from(value));
        }
        pair(&line, rubric, 0)
    }

    /// Worked by hand: `a` is the first candidate ("2"), so `a` chooses it and `b` the
    /// other; the strength scale's slight and strong preferences both choose.
    #[test]
    fn the_consensus_chooses_and_ties_and_both_bad_give_no_pair() {
        let plain = rubric("");
        let first = json!({"prompt": "Name a prime", "chosen": "2", "rejected": "4"});
        let second = json!({"prompt": "Name a prime", "chosen": "4", "rejected": "2"});
        assert_eq!(pair_for(Some("a"), &plain), Ok(first.clone()));
        assert_eq!(pair_for(Some("b"), &plain), Ok(second.clone()));
        assert_eq!(pair_for(Some("tie"), &plain), Err(LeftOut::Tie));
        assert_eq!(pair_for(Some("both_bad"), &plain), Err(LeftOut::BothBad));
        assert_eq!(pair_for(None, &plain), Err(LeftOut::NoTarget));
        let strength = rubric("scale = \"strength\"");
        assert_eq!(pair_for(Some("a_slightly"), &strength), Ok(first.clone()));
        assert_eq!(pair_for(Some("a_much"), &strength), Ok(first));
        assert_eq!(pair_for(Some("b_much"), &strength), Ok(second));
        assert_eq!(pair_for(Some("tie"), &strength), Err(LeftOut::Tie));
    }

    #[test]
    fn the_criterion_is_the_first_preference_or_the_target() {
        let plain = rubric("");
        assert_eq!(criterion(None, &plain), Ok(0));
        assert_eq!(criterion(Some("pref"), &plain), Ok(0));
        assert!(criterion(Some("nope"), &plain).unwrap_err().contains("reads a preference criterion"));
        let binary =
            Rubric::from_toml("name = \"b\"\nversion = 1\n[[criteria]]\nid = \"ok\"\nkind = \"binary\"\n", "b")
                .unwrap();
        assert!(criterion(None, &binary).unwrap_err().contains("has no preference criterion"));
    }
}
