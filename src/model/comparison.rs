//! A comparison item: two or more candidate outputs for one input, judged side by side.
//! In every stored value `a` is the item's first candidate and `b` its second, whatever
//! side a rater saw them on.

use serde::{Deserialize, Serialize};

use super::conversation::Message;

/// One candidate answer: its text, or a conversation, and the model that gave it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub id: String,
    #[serde(default)]
    pub output: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<Message>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
}

impl Candidate {
    /// What a ranking calls this candidate: its model, else its id.
    pub fn contender(&self) -> &str {
        self.model.as_deref().unwrap_or(&self.id)
    }

    /// The candidate's answer as text: its output, or its conversation's last answer.
    pub fn text(&self) -> String {
        if self.messages.is_empty() {
            self.output.clone()
        } else {
            super::conversation::last_assistant_text(&self.messages)
        }
    }
}

/// A comparison of more than two candidates as the items raters judge: one per pair, all
/// pairs in candidate order (`ID~v1~v2`, `ID~v1~v3`, `ID~v2~v3`), each with
/// `metadata.comparison_of` naming the original id, so that every stored comparison has
/// exactly two candidates and `a`/`b` always mean its first and second. Other items come
/// back as they are. Judge values cannot be split (a preference between three candidates
/// says nothing about each pair), so a judged comparison of more than two is refused.
pub fn split_pairs(item: super::Item) -> Result<Vec<super::Item>, String> {
    let candidates = item.shape.candidates();
    if candidates.len() <= 2 {
        return Ok(vec![item]);
    }
    if !item.judge.is_empty() {
        return Err(format!(
            "field `judge`: a comparison of {} candidates is judged as pairs; give judge values on records of \
             two candidates each",
            candidates.len()
        ));
    }
    let mut pairs = Vec::with_capacity(candidates.len() * (candidates.len() - 1) / 2);
    for (i, first) in candidates.iter().enumerate() {
        for second in &candidates[i + 1..] {
            let mut pair = item.clone();
            pair.id = format!("{}~{}~{}", item.id, first.id, second.id);
            pair.metadata.insert("comparison_of".into(), item.id.clone().into());
            pair.shape = super::Shape::Comparison { candidates: vec![first.clone(), second.clone()] };
            pairs.push(pair);
        }
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Item, Shape};

    fn comparison(ids: &[&str]) -> Item {
        let candidates =
            ids.iter().map(|id| Candidate { id: id.to_string(), output: format!("out {id}"), ..Candidate::default() });
        Item {
            id: "q1".into(),
            input: "Write a haiku".into(),
            shape: Shape::Comparison { candidates: candidates.collect() },
            ..Item::default()
        }
    }

    #[test]
    fn three_candidates_become_three_pairs_in_candidate_order() {
        let pairs = split_pairs(comparison(&["v1", "v2", "v3"])).unwrap();
        let ids: Vec<_> = pairs.iter().map(|item| item.id.as_str()).collect();
        assert_eq!(ids, ["q1~v1~v2", "q1~v1~v3", "q1~v2~v3"]);
        for pair in &pairs {
            assert_eq!(pair.metadata["comparison_of"], "q1");
            assert_eq!(pair.input, "Write a haiku");
            let [a, b] = pair.shape.candidates() else { panic!("two candidates") };
            assert_eq!(pair.id, format!("q1~{}~{}", a.id, b.id));
            assert_eq!(a.output, format!("out {}", a.id));
        }
    }

    #[test]
    fn pairs_and_other_shapes_stay_as_they_are() {
        let pair = comparison(&["v1", "v2"]);
        assert_eq!(split_pairs(pair.clone()).unwrap(), [pair]);
        let single = Item { id: "s".into(), output: "x".into(), ..Item::default() };
        assert_eq!(split_pairs(single.clone()).unwrap(), [single]);
    }

    #[test]
    fn a_judged_comparison_of_three_is_refused() {
        let mut item = comparison(&["v1", "v2", "v3"]);
        item.judge.insert("preference".into(), "a".into());
        assert!(split_pairs(item).unwrap_err().contains("judged as pairs"));
    }
}
