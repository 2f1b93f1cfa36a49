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

/// Which comparison items of a rater's queue show the second candidate (`b`) on the left:
/// one flag per comparison item, in queue order. Half are set (an odd one out is decided
/// by the seed), in an order shuffled from the batch's `seed` and the rater's name, so a
/// rater sees each candidate on the left equally often across their queue, and the same
/// batch and rater always give the same sides.
pub fn b_on_left(seed: u64, rater: &str, count: usize) -> Vec<bool> {
    use std::hash::Hasher;
    // The project's own hash, fed the bytes directly: stable across Rust versions.
    let mut hasher = crate::stats::hash::FxHasher::default();
    hasher.write(rater.as_bytes());
    let mut rng = crate::stats::rng::Rng::new(seed ^ hasher.finish());
    let mut flags: Vec<bool> = (0..count).map(|index| index < count / 2).collect();
    if count % 2 == 1 {
        flags[count - 1] = rng.next_u64() & 1 == 1;
    }
    rng.shuffle(&mut flags);
    flags
}

/// A preference value seen from the other side: `a` and `b` (and the strength scale's
/// ends) swap, `tie` and `both_bad` stay. The label screen stores what the rater chose
/// between left and right in the candidates' own terms with it.
pub fn mirrored(value: &str) -> &str {
    match value {
        "a" => "b",
        "b" => "a",
        "a_much" => "b_much",
        "b_much" => "a_much",
        "a_slightly" => "b_slightly",
        "b_slightly" => "a_slightly",
        other => other,
    }
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

    #[test]
    fn sides_are_balanced_within_a_queue() {
        for count in [0, 1, 2, 7, 40, 401] {
            for (seed, rater) in [(1, "ana"), (2, "ana"), (1, "ben")] {
                let flags = b_on_left(seed, rater, count);
                assert_eq!(flags.len(), count);
                let swapped = flags.iter().filter(|&&flag| flag).count();
                assert!(swapped == count / 2 || swapped == count.div_ceil(2), "{count} {seed} {rater}: {swapped}");
            }
        }
    }

    #[test]
    fn sides_are_reproducible_and_differ_by_rater_and_seed() {
        let ana = b_on_left(7, "ana", 40);
        assert_eq!(ana, b_on_left(7, "ana", 40));
        assert_ne!(ana, b_on_left(7, "ben", 40));
        assert_ne!(ana, b_on_left(8, "ana", 40));
        // Not one block of left then right: shuffled.
        assert_ne!(ana[..20].iter().filter(|&&flag| flag).count(), 20);
        assert_ne!(ana[..20].iter().filter(|&&flag| flag).count(), 0);
        // Pinned, so a change of generator or hash (which would move every rater's
        // sides on a store already labeled) fails here.
        let pinned: String = b_on_left(42, "ana", 12).iter().map(|&flag| if flag { 'b' } else { 'a' }).collect();
        assert_eq!(pinned, "abbabbabaaab");
    }

    #[test]
    fn mirroring_swaps_the_sides_and_keeps_ties() {
        for value in crate::model::rubric::PREFERENCE_OPTIONS.iter().chain(&crate::model::rubric::PREFERENCE_STRENGTHS)
        {
            assert_eq!(mirrored(mirrored(value)), *value);
        }
        assert_eq!(mirrored("a"), "b");
        assert_eq!(mirrored("a_much"), "b_much");
        assert_eq!(mirrored("b_slightly"), "a_slightly");
        assert_eq!(mirrored("tie"), "tie");
        assert_eq!(mirrored("both_bad"), "both_bad");
    }
}
