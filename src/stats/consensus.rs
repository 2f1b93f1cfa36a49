//! Consensus of several raters' values for one item and criterion.

use std::collections::BTreeMap;

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
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median_category(&[4, 1, 3, 2]), None);
        assert_eq!(median_category(&[4, 2, 3, 2]), None);
        assert_eq!(median_category(&[4, 3, 3, 2]), Some(3));
        assert_eq!(median_category(&[5, 1, 2]), Some(2));
    }
}
