//! One item's final value per criterion, from its raters' labels and any adjudication:
//! the rule behind golden sets, error analysis and the review screen.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

use super::label::number_json;
use super::rubric::Scope;
use super::{Criterion, Kind, LabelValue, Rubric};
use crate::stats::consensus::{majority, median, median_category};

/// How raters' values become one value. An adjudicated value always wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Method {
    /// The strictly most frequent value; a tie gives no value.
    #[default]
    Majority,
    /// Ordinal criteria take the median when it is a point of the scale (a tie when it
    /// falls between two); numbers the median; unordered kinds as with majority.
    Median,
    /// Ordinal criteria and numbers take the mean (an ordinal mean is a number, not an
    /// option); unordered kinds as with majority.
    Mean,
    /// Only adjudicated values; nothing else is decided.
    Adjudicated,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::Majority => "majority",
            Method::Median => "median",
            Method::Mean => "mean",
            Method::Adjudicated => "adjudicated",
        }
    }
}

/// How one criterion's value of one item was reached.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    /// The value in its JSON form; `null` on a tie. Files carry it beside the decision.
    #[serde(skip)]
    pub value: Value,
    /// `adjudicated`, `majority`, `median`, `mean`, `tag_majority`, or `tie`.
    pub method: &'static str,
    /// Raters who voted: who gave a value (through [`decide_item`], for a tags criterion,
    /// every rater it applied to).
    pub n: usize,
    /// Share of those raters who gave the consensus value (choices only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub support: Option<f64>,
    /// The values tied for first place (or tags chosen by exactly half the raters): a tie
    /// is reported, never broken silently.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tied: Vec<String>,
}

impl Decision {
    pub fn is_tie(&self) -> bool {
        !self.tied.is_empty()
    }
}

/// The decision for `criterion` given its raters' `values` and the adjudicated value, if
/// any; `None` when there is nothing to decide from (no values, a text criterion, or an
/// unadjudicated criterion under [`Method::Adjudicated`]).
pub fn decide(
    criterion: &Criterion,
    values: &[LabelValue],
    adjudicated: Option<&Value>,
    method: Method,
) -> Option<Decision> {
    let n = values.len();
    if let Some(value) = adjudicated {
        return Some(Decision { value: value.clone(), method: "adjudicated", n, support: None, tied: Vec::new() });
    }
    if values.is_empty() || criterion.kind == Kind::Text || method == Method::Adjudicated {
        return None;
    }
    let decision = |value, method, support, tied| Decision { value, method, n, support, tied };
    Some(match criterion.kind {
        Kind::Tags => {
            let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
            for value in values {
                if let LabelValue::Tags(tags) = value {
                    for tag in tags {
                        *counts.entry(tag).or_default() += 1;
                    }
                }
            }
            let chosen: BTreeSet<String> =
                counts.iter().filter(|(_, count)| *count * 2 > n).map(|(tag, _)| tag.to_string()).collect();
            let tied = counts.iter().filter(|(_, count)| *count * 2 == n).map(|(tag, _)| tag.to_string()).collect();
            decision(LabelValue::Tags(chosen).to_json(), "tag_majority", None, tied)
        }
        Kind::Number => {
            let numbers = numbers_of(values);
            match method {
                Method::Mean => decision(number_json(mean(&numbers)), "mean", None, Vec::new()),
                _ => decision(median(&numbers).map_or(Value::Null, number_json), "median", None, Vec::new()),
            }
        }
        Kind::Ordinal if method == Method::Mean => {
            let scores: Vec<f64> = choices_of(values).iter().filter_map(|c| ordinal_score(criterion, c)).collect();
            decision(number_json(mean(&scores)), "mean", None, Vec::new())
        }
        Kind::Ordinal if method == Method::Median => {
            let choices = choices_of(values);
            let ranks: Vec<usize> = choices.iter().filter_map(|choice| criterion.choice_index(choice)).collect();
            match median_category(&ranks) {
                Some(rank) => {
                    let value = &criterion.options[rank].value;
                    let support = choices.iter().filter(|c| **c == value).count() as f64 / n as f64;
                    decision(Value::String(value.clone()), "median", Some(support), Vec::new())
                }
                None => {
                    // An even count whose middle values differ: both are reported.
                    let mut sorted = ranks.clone();
                    sorted.sort_unstable();
                    let middle = [sorted[n / 2 - 1], sorted[n / 2]];
                    let tied = middle.iter().map(|rank| criterion.options[*rank].value.clone()).collect();
                    decision(Value::Null, "tie", None, tied)
                }
            }
        }
        _ => {
            let choices = choices_of(values);
            let vote = majority(&choices);
            let support = Some(vote.votes as f64 / n as f64);
            match vote.winner {
                Some(winner) => decision(Value::String(winner.to_string()), "majority", support, Vec::new()),
                None => {
                    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
                    for choice in &choices {
                        *counts.entry(choice).or_default() += 1;
                    }
                    let tied =
                        counts.iter().filter(|(_, count)| **count == vote.votes).map(|(c, _)| c.to_string()).collect();
                    decision(Value::Null, "tie", support, tied)
                }
            }
        }
    })
}

/// One item's decisions, per criterion in rubric order: the one consensus that golden
/// sets, the review screen and the reports share.
///
/// `raters` holds each rater's values on the item by criterion id; `adjudicated` the
/// standing adjudication per criterion (rubric order). A criterion with `when` is decided
/// only when the item's consensus of the criterion it names satisfies `when` (else it does
/// not apply: no value, adjudicated or not, as the rater would not have been asked), and
/// only the raters for whom `when` held vote: a rater who passed never saw the defects
/// question, so their silence is no vote. For a tags criterion every rater it applied to
/// votes, and one who chose no tag votes for none: a tag is chosen when more than half of
/// those raters gave it.
pub fn decide_item(
    rubric: &Rubric,
    raters: &[&BTreeMap<String, LabelValue>],
    adjudicated: &[Option<&Value>],
    method: Method,
) -> Vec<Option<Decision>> {
    let mut consensus: BTreeMap<String, LabelValue> = BTreeMap::new();
    let mut decisions = Vec::with_capacity(rubric.criteria.len());
    for (index, criterion) in rubric.criteria.iter().enumerate() {
        if criterion.when.is_some() && !rubric.applies(index, &consensus) {
            decisions.push(None);
            continue;
        }
        let voters = raters.iter().filter(|values| rubric.applies(index, values));
        let values: Vec<LabelValue> = match criterion.kind {
            Kind::Tags => voters
                .map(|values| values.get(&criterion.id).cloned().unwrap_or_else(|| LabelValue::Tags(BTreeSet::new())))
                .collect(),
            _ => voters.filter_map(|values| values.get(&criterion.id).cloned()).collect(),
        };
        let adjudication = adjudicated.get(index).copied().flatten();
        let decision = decide(criterion, &values, adjudication, method);
        // A tie (`null`) is no value, so nothing that depends on it applies.
        if let Some(value) = decision.as_ref().and_then(|d| criterion.parse_json(&d.value).ok()) {
            consensus.insert(criterion.id.clone(), value);
        }
        decisions.push(decision);
    }
    decisions
}

/// Each rater's values on one item, by criterion id.
pub type RaterValues<'r> = BTreeMap<&'r str, BTreeMap<String, LabelValue>>;

/// The decisions on each labeled step of a conversation item: per step, per criterion in
/// rubric order, as [`decide_item`] gives them, kept only for step-scope criteria. A
/// step's raters vote with their item values beside the step's, so a step criterion's
/// `when` may name an item criterion or another criterion of the same step.
/// `adjudicated(step, criterion index)` is the standing adjudication of that step.
pub fn decide_steps<'v>(
    rubric: &Rubric,
    item_values: &RaterValues,
    step_values: &BTreeMap<u32, RaterValues>,
    adjudicated: impl Fn(u32, usize) -> Option<&'v Value>,
    method: Method,
) -> BTreeMap<u32, Vec<Option<Decision>>> {
    step_values
        .iter()
        .map(|(step, raters)| {
            let merged: Vec<BTreeMap<String, LabelValue>> = raters
                .iter()
                .map(|(rater, values)| {
                    let mut merged = item_values.get(rater).cloned().unwrap_or_default();
                    merged.extend(values.iter().map(|(id, value)| (id.clone(), value.clone())));
                    merged
                })
                .collect();
            let adjudications: Vec<Option<&Value>> =
                (0..rubric.criteria.len()).map(|index| adjudicated(*step, index)).collect();
            let decisions = decide_item(rubric, &merged.iter().collect::<Vec<_>>(), &adjudications, method)
                .into_iter()
                .zip(&rubric.criteria)
                .map(|(decision, criterion)| decision.filter(|_| criterion.scope == Scope::Step))
                .collect();
            (*step, decisions)
        })
        .collect()
}

/// The share of rater pairs who gave the same value, over all of an item's criteria
/// (text excepted); `None` with fewer than two raters on every criterion.
pub fn item_agreement<'a>(per_criterion: impl IntoIterator<Item = &'a [LabelValue]>) -> Option<f64> {
    let (mut agreeing, mut pairs) = (0usize, 0usize);
    for values in per_criterion {
        for (index, a) in values.iter().enumerate() {
            for b in &values[index + 1..] {
                if matches!(a, LabelValue::Text(_)) {
                    continue;
                }
                pairs += 1;
                agreeing += usize::from(a == b);
            }
        }
    }
    (pairs > 0).then(|| agreeing as f64 / pairs as f64)
}

fn choices_of(values: &[LabelValue]) -> Vec<&str> {
    values
        .iter()
        .filter_map(|value| match value {
            LabelValue::Choice(choice) => Some(choice.as_str()),
            _ => None,
        })
        .collect()
}

fn numbers_of(values: &[LabelValue]) -> Vec<f64> {
    values
        .iter()
        .filter_map(|value| match value {
            LabelValue::Number(number) => Some(*number),
            _ => None,
        })
        .collect()
}

/// An ordinal option as a number: its value when every option is numeric (a 1-5 scale),
/// else its position counted from 1.
pub fn ordinal_score(criterion: &Criterion, choice: &str) -> Option<f64> {
    let numeric: Option<Vec<f64>> = criterion.options.iter().map(|option| option.value.parse::<f64>().ok()).collect();
    let index = criterion.choice_index(choice)?;
    Some(match numeric {
        Some(values) => values[index],
        None => (index + 1) as f64,
    })
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Rubric;
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
id = "helpfulness"
kind = "ordinal"
options = [ { value = "1", key = "1" }, { value = "2", key = "2" }, { value = "3", key = "3" } ]
[[criteria]]
id = "defects"
kind = "tags"
options = [ { value = "h", key = "h" }, { value = "c", key = "c" } ]
[[criteria]]
id = "score"
kind = "number"
"#,
            "test",
        )
        .unwrap()
    }

    fn choices(values: &[&str]) -> Vec<LabelValue> {
        values.iter().map(|value| LabelValue::Choice(value.to_string())).collect()
    }

    #[test]
    fn a_tie_is_reported_with_the_tied_values() {
        let rubric = rubric();
        let correct = &rubric.criteria[0];
        let tie = decide(correct, &choices(&["pass", "fail"]), None, Method::Majority).unwrap();
        assert_eq!((tie.value.clone(), tie.method, tie.n), (Value::Null, "tie", 2));
        assert_eq!(tie.tied, ["fail", "pass"]);
        let won = decide(correct, &choices(&["pass", "fail", "pass"]), None, Method::Majority).unwrap();
        assert_eq!((won.value, won.support.map(|s| (s * 3.0).round())), (json!("pass"), Some(2.0)));
        assert!(!won.tied.iter().any(|_| true));
    }

    #[test]
    fn adjudication_overrides_any_vote_and_any_method() {
        let rubric = rubric();
        let correct = &rubric.criteria[0];
        for method in [Method::Majority, Method::Median, Method::Mean, Method::Adjudicated] {
            let decided = decide(correct, &choices(&["pass", "pass", "pass"]), Some(&json!("fail")), method).unwrap();
            assert_eq!((decided.value, decided.method, decided.n), (json!("fail"), "adjudicated", 3));
        }
        assert_eq!(decide(correct, &choices(&["pass"]), None, Method::Adjudicated), None);
    }

    #[test]
    fn ordinal_median_and_mean() {
        let rubric = rubric();
        let helpfulness = &rubric.criteria[1];
        let median = decide(helpfulness, &choices(&["1", "3", "3"]), None, Method::Median).unwrap();
        assert_eq!(median.value, json!("3"));
        let between = decide(helpfulness, &choices(&["1", "2"]), None, Method::Median).unwrap();
        assert_eq!((between.value, between.tied), (Value::Null, vec!["1".to_string(), "2".to_string()]));
        let mean = decide(helpfulness, &choices(&["1", "2"]), None, Method::Mean).unwrap();
        assert_eq!(mean.value, json!(1.5));
        // Mean of an unordered kind is its majority.
        let binary = decide(&rubric.criteria[0], &choices(&["fail", "fail", "pass"]), None, Method::Mean).unwrap();
        assert_eq!(binary.value, json!("fail"));
    }

    #[test]
    fn tags_and_numbers() {
        let rubric = rubric();
        let tags = |list: &[&str]| LabelValue::Tags(list.iter().map(|t| t.to_string()).collect());
        let decided = decide(
            &rubric.criteria[2],
            &[tags(&["h", "c"]), tags(&["h"]), tags(&["c"]), tags(&["h"])],
            None,
            Method::Majority,
        )
        .unwrap();
        assert_eq!((decided.value, decided.tied), (json!(["h"]), vec!["c".to_string()]));
        let numbers = [LabelValue::Number(1.0), LabelValue::Number(4.0)];
        assert_eq!(decide(&rubric.criteria[3], &numbers, None, Method::Majority).unwrap().value, json!(2.5));
        assert_eq!(decide(&rubric.criteria[3], &[], None, Method::Majority), None);
    }

    fn rater(values: &[(&str, LabelValue)]) -> BTreeMap<String, LabelValue> {
        values.iter().map(|(id, value)| (id.to_string(), value.clone())).collect()
    }

    fn when_rubric() -> Rubric {
        Rubric::from_toml(
            r#"
name = "r"
version = 1
[[criteria]]
id = "correct"
kind = "binary"
options = [ { value = "pass", key = "y" }, { value = "fail", key = "n" } ]
[[criteria]]
id = "defects"
kind = "tags"
when = { correct = "fail" }
options = [ { value = "h", key = "h" }, { value = "i", key = "i" } ]
"#,
            "test",
        )
        .unwrap()
    }

    #[test]
    fn a_criterion_whose_when_fails_on_the_consensus_has_no_value() {
        // q-0003-v1 of the sample data: two pass, one fails and tags `i`.
        let rubric = when_rubric();
        let choice = |c: &str| LabelValue::Choice(c.to_string());
        let tags = |list: &[&str]| LabelValue::Tags(list.iter().map(|t| t.to_string()).collect());
        let (ana, ben) = (rater(&[("correct", choice("pass"))]), rater(&[("correct", choice("pass"))]));
        let chloe = rater(&[("correct", choice("fail")), ("defects", tags(&["i"]))]);
        let decided = decide_item(&rubric, &[&ana, &ben, &chloe], &[], Method::Majority);
        assert_eq!(decided[0].as_ref().unwrap().value, json!("pass"));
        assert_eq!(decided[1], None);
        // Adjudicated tags do not apply either while the consensus passes.
        let tagged = json!(["h"]);
        assert_eq!(decide_item(&rubric, &[&ana, &ben, &chloe], &[None, Some(&tagged)], Method::Majority)[1], None);
        // A tie on `correct` is no value: defects do not apply.
        let decided = decide_item(&rubric, &[&ana, &chloe], &[], Method::Majority);
        assert_eq!((decided[0].as_ref().unwrap().method, &decided[1]), ("tie", &None));
    }

    #[test]
    fn only_raters_the_criterion_applied_to_vote_and_no_tag_is_a_vote_for_none() {
        let rubric = when_rubric();
        let choice = |c: &str| LabelValue::Choice(c.to_string());
        let tags = |list: &[&str]| LabelValue::Tags(list.iter().map(|t| t.to_string()).collect());
        let ana = rater(&[("correct", choice("fail")), ("defects", tags(&["h", "i"]))]);
        let ben = rater(&[("correct", choice("fail")), ("defects", tags(&["h"]))]);
        // Dan failed it and chose no tag (nothing stored): a vote against both tags.
        let dan = rater(&[("correct", choice("fail"))]);
        // Eve passed it: she was not asked, her stray tag does not count.
        let eve = rater(&[("correct", choice("pass")), ("defects", tags(&["i"]))]);
        let decided = decide_item(&rubric, &[&ana, &ben, &dan, &eve], &[], Method::Majority);
        assert_eq!(decided[0].as_ref().unwrap().value, json!("fail"));
        let defects = decided[1].as_ref().unwrap();
        // h: 2 of 3 applicable raters; i: 1 of 3.
        assert_eq!((defects.value.clone(), defects.n, defects.tied.len()), (json!(["h"]), 3, 0));
        // An adjudicated `correct` decides what applies.
        let fail = json!("fail");
        let decided = decide_item(&rubric, &[&dan, &eve], &[Some(&fail)], Method::Majority);
        assert_eq!(decided[1].as_ref().map(|d| (d.value.clone(), d.n)), Some((json!([]), 1)));
    }

    #[test]
    fn item_agreement_pools_pairs_over_criteria() {
        let a = choices(&["pass", "pass", "fail"]); // 1 of 3 pairs agree
        let b = choices(&["2", "2"]); // 1 of 1
        assert_eq!(item_agreement([a.as_slice(), b.as_slice()]), Some(0.5));
        assert_eq!(item_agreement([choices(&["pass"]).as_slice()]), None);
    }
}
