//! Consensus of several raters' values for one item and criterion.

use std::collections::{BTreeMap, BTreeSet};

/// The most frequent value, if one value is strictly most frequent.
#[derive(Debug, Clone, PartialEq)]
pub struct Majority<T> {
    /// `None` on a tie for first place.
    pub winner: Option<T>,
    /// Votes for the most frequent value (each tied value's count on a tie).
    pub votes: usize,
    pub n: usize,
}

pub fn majority<T: Ord + Clone>(values: &[T]) -> Majority<T> {
    let mut counts: BTreeMap<&T, usize> = BTreeMap::new();
    for value in values {
        *counts.entry(value).or_default() += 1;
    }
    let votes = counts.values().copied().max().unwrap_or(0);
    let mut leaders = counts.iter().filter(|(_, count)| **count == votes);
    let winner = match (leaders.next(), leaders.next()) {
        (Some((value, _)), None) => Some((*value).clone()),
        _ => None,
    };
    Majority { winner, votes, n: values.len() }
}

/// The lower median, so an ordinal consensus is always a point of the scale.
pub fn lower_median<T: Ord + Clone>(values: &[T]) -> Option<T> {
    let mut sorted = values.to_vec();
    sorted.sort();
    sorted.get((sorted.len().max(1) - 1) / 2).cloned()
}

/// The median when it is one of the values: the middle value of an odd count, or of an
/// even count whose two middle values agree; `None` when it falls between two.
pub fn median_category<T: Ord + Clone>(values: &[T]) -> Option<T> {
    let mut sorted = values.to_vec();
    sorted.sort();
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2].clone()),
        _ => (sorted[n / 2 - 1] == sorted[n / 2]).then(|| sorted[n / 2].clone()),
    }
}

/// The median of numbers (mean of the middle two for an even count).
pub fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

/// Tags chosen by more than half of the raters.
pub fn majority_tags(sets: &[BTreeSet<String>]) -> BTreeSet<String> {
    let mut counts: BTreeMap<&String, usize> = BTreeMap::new();
    for tag in sets.iter().flatten() {
        *counts.entry(tag).or_default() += 1;
    }
    counts.into_iter().filter(|(_, count)| count * 2 > sets.len()).map(|(tag, _)| tag.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn majority_and_ties() {
        let m = majority(&["a", "b", "a"]);
        assert_eq!((m.winner, m.votes, m.n), (Some("a"), 2, 3));
        assert_eq!(majority(&["a", "b"]).winner, None);
        assert_eq!(majority::<&str>(&[]).winner, None);
    }

    #[test]
    fn medians() {
        assert_eq!(lower_median(&[4, 1, 3, 2]), Some(2));
        assert_eq!(lower_median(&[5]), Some(5));
        assert_eq!(lower_median::<u8>(&[]), None);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median_category(&[4, 1, 3, 2]), None);
        assert_eq!(median_category(&[4, 2, 3, 2]), None);
        assert_eq!(median_category(&[4, 3, 3, 2]), Some(3));
        assert_eq!(median_category(&[5, 1, 2]), Some(2));
    }

    #[test]
    fn tags_need_a_strict_majority() {
        let set = |tags: &[&str]| tags.iter().map(|t| t.to_string()).collect::<BTreeSet<_>>();
        let sets = [set(&["h", "c"]), set(&["h"]), set(&["c", "i"]), set(&[])];
        assert_eq!(majority_tags(&sets), BTreeSet::new());
        assert_eq!(majority_tags(&sets[..3]), set(&["c", "h"]));
    }
}
