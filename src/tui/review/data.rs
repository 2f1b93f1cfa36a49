//! What the review screen knows of each item: every rater's values side by side, the
//! judge's, the consensus (adjudication first), and the figures its filters sort on.
//! Built from store rows by plain code, so the screen is tested without a store.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::model::consensus::{Decision, Method, decide_item, item_agreement, ordinal_score};
use crate::model::{Criterion, Item, Kind, LabelValue, Rubric};
use crate::store::{Adjudication, CurrentLabel, ItemMark};

/// A rater's words on an item: a comment, a text criterion's value, or a flag or skip note.
#[derive(Debug, Clone, PartialEq)]
pub struct Comment {
    pub rater: String,
    /// Where it was written: a criterion id, `flag` or `skip`.
    pub about: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReviewItem {
    pub item_id: i64,
    pub item: Item,
    /// Raters with a label on the item, sorted.
    pub raters: Vec<String>,
    /// Per criterion (rubric order): each rater's value.
    pub values: Vec<BTreeMap<String, LabelValue>>,
    /// Per criterion: the standing adjudication, if any.
    pub adjudications: Vec<Option<Adjudication>>,
    /// Per criterion: the final value (adjudicated, else the raters' majority; none where
    /// the criterion's `when` does not hold for the item's consensus).
    pub decisions: Vec<Option<Decision>>,
    /// Per criterion: the share of rater pairs who disagree; `None` with under two raters.
    pub disagreement: Vec<Option<f64>>,
    /// Per criterion: how far the judge is from the humans, 0 to 1 (a share of the scale
    /// for ordered kinds, 0 or 1 for unordered ones); `None` without a judge score.
    pub judge_gap: Vec<Option<f64>>,
    pub comments: Vec<Comment>,
    pub flagged_by: Vec<String>,
    pub skipped_by: Vec<String>,
}

impl ReviewItem {
    /// Builds one item's row. `labels`, `adjudications` and `marks` are this item's only.
    pub fn build(
        rubric: &Rubric,
        item_id: i64,
        item: Item,
        labels: &[CurrentLabel],
        comments: Vec<Comment>,
        adjudications: &[Adjudication],
        marks: &[ItemMark],
    ) -> ReviewItem {
        let raters: BTreeSet<&str> = labels.iter().map(|label| label.rater.as_str()).collect();
        let values: Vec<BTreeMap<String, LabelValue>> = rubric
            .criteria
            .iter()
            .map(|criterion| {
                labels
                    .iter()
                    .filter(|label| label.criterion == criterion.id)
                    .filter_map(|label| Some((label.rater.clone(), criterion.parse_json(&label.value).ok()?)))
                    .collect()
            })
            .collect();
        let adjudications: Vec<Option<Adjudication>> = rubric
            .criteria
            .iter()
            .map(|criterion| adjudications.iter().find(|a| a.criterion == criterion.id).cloned())
            .collect();
        let mut comments = comments;
        for (criterion, by_rater) in rubric.criteria.iter().zip(&values) {
            if criterion.kind == Kind::Text {
                for (rater, value) in by_rater {
                    comments.push(Comment { rater: rater.clone(), about: criterion.id.clone(), text: value.display() });
                }
            }
        }
        for mark in marks {
            if let Some(note) = mark.note.as_deref().filter(|note| !note.trim().is_empty()) {
                let about = if mark.flagged { "flag" } else { "skip" };
                comments.push(Comment { rater: mark.rater.clone(), about: about.into(), text: note.to_string() });
            }
        }
        let mut review = ReviewItem {
            item_id,
            item,
            raters: raters.into_iter().map(String::from).collect(),
            disagreement: rubric.criteria.iter().zip(&values).map(|(c, by_rater)| disagreement(c, by_rater)).collect(),
            values,
            adjudications,
            decisions: Vec::new(),
            judge_gap: Vec::new(),
            comments,
            flagged_by: marks.iter().filter(|m| m.flagged).map(|m| m.rater.clone()).collect(),
            skipped_by: marks.iter().filter(|m| m.skipped).map(|m| m.rater.clone()).collect(),
        };
        review.decide(rubric);
        review
    }

    /// Recomputes the final values and the judge's distance from them (after an
    /// adjudication changes).
    pub fn decide(&mut self, rubric: &Rubric) {
        let mut by_rater: BTreeMap<&str, BTreeMap<String, LabelValue>> = BTreeMap::new();
        for (criterion, values) in rubric.criteria.iter().zip(&self.values) {
            for (rater, value) in values {
                by_rater.entry(rater).or_default().insert(criterion.id.clone(), value.clone());
            }
        }
        let adjudicated: Vec<Option<&Value>> =
            self.adjudications.iter().map(|a| a.as_ref().map(|a| &a.value)).collect();
        self.decisions = decide_item(rubric, &by_rater.values().collect::<Vec<_>>(), &adjudicated, Method::Majority);
        self.judge_gap = rubric
            .criteria
            .iter()
            .enumerate()
            .map(|(index, criterion)| {
                let judge = self.item.judge.get(&criterion.id)?;
                let adjudicated = self.adjudications[index].as_ref().map(|a| &a.value);
                judge_gap(criterion, judge, &self.values[index], adjudicated, self.decisions[index].as_ref())
            })
            .collect();
    }

    /// The largest disagreement over the criteria (or of one criterion).
    pub fn disagreement_of(&self, criterion: Option<usize>) -> Option<f64> {
        match criterion {
            Some(index) => self.disagreement.get(index).copied().flatten(),
            None => self.disagreement.iter().flatten().copied().reduce(f64::max),
        }
    }

    pub fn judge_gap_max(&self) -> Option<f64> {
        self.judge_gap.iter().flatten().copied().reduce(f64::max)
    }

    /// Whether any rater, or the final value, gave tag `tag`.
    pub fn has_tag(&self, tag: &str) -> bool {
        self.values
            .iter()
            .flat_map(BTreeMap::values)
            .any(|value| matches!(value, LabelValue::Tags(tags) if tags.contains(tag)))
            || self
                .adjudications
                .iter()
                .flatten()
                .any(|a| a.value.as_array().is_some_and(|tags| tags.iter().any(|t| t == tag)))
    }

    /// The item's metadata field as text (`dataset` too), for slicing.
    pub fn field(&self, field: &str) -> Option<String> {
        if field == "dataset" {
            return Some(self.item.dataset.clone());
        }
        match self.item.metadata.get(field)? {
            Value::String(text) => Some(text.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        }
    }
}

/// How much the raters disagree on one criterion, 0 to 1; `None` under two raters. On
/// an ordered scale (ordinal, or number with min and max) the mean distance between
/// rater pairs as a share of the scale, so a 3 vs 4 on 1-5 (0.25) ranks below a 1 vs 5
/// (1.0); otherwise the share of rater pairs who disagree.
fn disagreement(criterion: &Criterion, by_rater: &BTreeMap<String, LabelValue>) -> Option<f64> {
    let scale = match criterion.kind {
        Kind::Ordinal => {
            let scores: Vec<f64> =
                criterion.options.iter().filter_map(|o| ordinal_score(criterion, &o.value)).collect();
            let low = scores.iter().copied().fold(f64::INFINITY, f64::min);
            let high = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            Some(high - low)
        }
        Kind::Number => criterion.max.zip(criterion.min).map(|(max, min)| max - min),
        _ => None,
    }
    .filter(|range| *range > 0.0);
    let scores: Option<Vec<f64>> = scale.and_then(|_| {
        by_rater
            .values()
            .map(|value| match value {
                LabelValue::Choice(choice) => ordinal_score(criterion, choice),
                LabelValue::Number(number) => Some(*number),
                _ => None,
            })
            .collect()
    });
    match (scale, scores) {
        (Some(range), Some(scores)) => {
            if scores.len() < 2 {
                return None;
            }
            let mut total = 0.0;
            let mut pairs = 0usize;
            for (i, a) in scores.iter().enumerate() {
                for b in &scores[i + 1..] {
                    total += (a - b).abs() / range;
                    pairs += 1;
                }
            }
            Some((total / pairs as f64).min(1.0))
        }
        _ => {
            let values: Vec<LabelValue> = by_rater.values().cloned().collect();
            item_agreement([values.as_slice()]).map(|agreement| 1.0 - agreement)
        }
    }
}

/// How far the judge's value is from the humans': for ordered kinds the distance from
/// the adjudicated value, else from the raters' mean, as a share of the scale; for
/// unordered kinds 0 when the judge gives the final value and 1 otherwise (nothing on a
/// tie).
fn judge_gap(
    criterion: &Criterion,
    judge: &Value,
    values: &BTreeMap<String, LabelValue>,
    adjudicated: Option<&Value>,
    decision: Option<&Decision>,
) -> Option<f64> {
    let judge_text = match judge {
        Value::String(text) => text.clone(),
        Value::Number(number) => number.to_string(),
        _ => return None,
    };
    match criterion.kind {
        Kind::Ordinal | Kind::Number => {
            let score = |text: &str| match criterion.kind {
                Kind::Ordinal => ordinal_score(criterion, text),
                _ => text.parse::<f64>().ok(),
            };
            let judge = score(&judge_text)?;
            let human = match adjudicated {
                Some(value) => score(value.as_str().map_or(&value.to_string(), |s| s))?,
                None => {
                    let scores: Vec<f64> = values
                        .values()
                        .filter_map(|value| match value {
                            LabelValue::Choice(choice) => score(choice),
                            LabelValue::Number(number) => Some(*number),
                            _ => None,
                        })
                        .collect();
                    if scores.is_empty() {
                        return None;
                    }
                    scores.iter().sum::<f64>() / scores.len() as f64
                }
            };
            let range = match criterion.kind {
                Kind::Ordinal => {
                    let ends: Vec<f64> =
                        criterion.options.iter().filter_map(|o| ordinal_score(criterion, &o.value)).collect();
                    ends.iter().copied().fold(f64::MIN, f64::max) - ends.iter().copied().fold(f64::MAX, f64::min)
                }
                _ => criterion.max.zip(criterion.min).map_or(1.0, |(max, min)| max - min),
            };
            Some(((judge - human).abs() / if range > 0.0 { range } else { 1.0 }).min(1.0))
        }
        Kind::Binary | Kind::Nominal | Kind::Preference | Kind::Step => {
            // A tie has no value to compare with.
            let human = decision?.value.as_str()?;
            Some(if human == judge_text { 0.0 } else { 1.0 })
        }
        Kind::Tags | Kind::Text => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rubric() -> Rubric {
        Rubric::from_toml(
            r#"
name = "r"
version = 1
[[criteria]]
id = "correct"
kind = "binary"
options = [ { value = "pass", key = "y" }, { value = "fail", key = "n" } ]
[[criteria]]
id = "stars"
kind = "ordinal"
options = [ { value = "1", key = "1" }, { value = "2", key = "2" }, { value = "3", key = "3" }, { value = "4", key = "4" }, { value = "5", key = "5" } ]
[[criteria]]
id = "note"
kind = "text"
"#,
            "test",
        )
        .unwrap()
    }

    fn label(rater: &str, criterion: &str, value: Value) -> CurrentLabel {
        CurrentLabel { item_id: 1, item: "a".into(), rater: rater.into(), criterion: criterion.into(), value, at: 0 }
    }

    #[test]
    fn disagreement_judge_gap_and_adjudication() {
        let rubric = rubric();
        let mut item = Item { id: "a".into(), output: "o".into(), ..Default::default() };
        item.judge.insert("stars".into(), json!(5));
        item.judge.insert("correct".into(), json!("pass"));
        let labels = [
            label("ann", "correct", json!("pass")),
            label("bob", "correct", json!("fail")),
            label("cy", "correct", json!("fail")),
            label("ann", "stars", json!("1")),
            label("bob", "stars", json!("1")),
            label("ann", "note", json!("the fee is invented")),
        ];
        let review = ReviewItem::build(&rubric, 1, item.clone(), &labels, Vec::new(), &[], &[]);
        assert_eq!(review.raters, ["ann", "bob", "cy"]);
        // correct: 1 of 3 pairs agree; stars: the one pair agrees.
        assert_eq!(review.disagreement[0].map(|d| (d * 3.0).round()), Some(2.0));
        assert_eq!(review.disagreement[1], Some(0.0));
        assert_eq!(review.disagreement_of(None).map(|d| (d * 3.0).round()), Some(2.0));
        assert_eq!(review.decisions[0].as_ref().unwrap().value, json!("fail"));
        // The judge says pass against a majority fail, and 5 against two 1s.
        assert_eq!(review.judge_gap, [Some(1.0), Some(1.0), None]);
        assert_eq!(review.comments[0].text, "the fee is invented");

        let adjudication = Adjudication {
            item_id: 1,
            criterion: "correct".into(),
            value: json!("pass"),
            rationale: Some("passage 2 says so".into()),
            adjudicator: "lead".into(),
            at: 1,
        };
        let review = ReviewItem::build(&rubric, 1, item, &labels, Vec::new(), &[adjudication], &[]);
        assert_eq!(review.decisions[0].as_ref().unwrap().method, "adjudicated");
        assert_eq!(review.judge_gap[0], Some(0.0));
    }

    #[test]
    fn ordinal_disagreement_is_a_distance_so_near_splits_rank_below_far_ones() {
        let rubric = rubric();
        let item = |id: &str| Item {
            id: id.into(),
            dataset: "d".into(),
            input: "i".into(),
            output: "o".into(),
            reference: None,
            context: Vec::new(),
            metadata: Default::default(),
            judge: Default::default(),
            shape: Default::default(),
        };
        let split = |a: &str, b: &str| {
            let labels = [label("ana", "stars", json!(a)), label("ben", "stars", json!(b))];
            ReviewItem::build(&rubric, 1, item("x"), &labels, Vec::new(), &[], &[]).disagreement[1].unwrap()
        };
        // Mean pairwise distance over the 1-5 scale (width 4).
        assert_eq!(split("3", "4"), 0.25);
        assert_eq!(split("1", "5"), 1.0);
        assert_eq!(split("2", "2"), 0.0);
        assert!(split("2", "4") > split("3", "4"));
        // Three raters 1, 1, 5: pairs 0, 1, 1 -> 2/3.
        let labels =
            [label("ana", "stars", json!("1")), label("ben", "stars", json!("1")), label("cy", "stars", json!("5"))];
        let three = ReviewItem::build(&rubric, 1, item("y"), &labels, Vec::new(), &[], &[]);
        assert!((three.disagreement[1].unwrap() - 2.0 / 3.0).abs() < 1e-12);
        // Unordered criteria keep the share of disagreeing pairs.
        let labels = [label("ana", "correct", json!("pass")), label("ben", "correct", json!("fail"))];
        assert_eq!(ReviewItem::build(&rubric, 1, item("z"), &labels, Vec::new(), &[], &[]).disagreement[0], Some(1.0));
    }
}
