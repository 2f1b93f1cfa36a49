//! Invariants of win rates, the Bradley-Terry fit and the prompt bootstrap, on random votes.

use proptest::prelude::*;
use tally::stats::preference::{Outcome, PromptVotes, Resampling, Tallies, Vote, bradley_terry, prompt_bootstrap};

const M: usize = 4;

fn outcome() -> impl Strategy<Value = Outcome> {
    prop_oneof![Just(Outcome::A), Just(Outcome::B), Just(Outcome::Tie), Just(Outcome::BothBad)]
}

/// Votes among four contenders on up to ten prompts, never a contender against itself.
fn votes() -> impl Strategy<Value = Vec<Vote>> {
    prop::collection::vec((0u32..10, 0u32..M as u32, 1u32..M as u32, outcome()), 1..80).prop_map(|raw| {
        raw.into_iter()
            .map(|(prompt, a, shift, outcome)| Vote { prompt, a, b: (a + shift) % M as u32, outcome })
            .collect()
    })
}

proptest! {
    #[test]
    fn win_rates_of_a_pair_sum_to_one(votes in votes()) {
        let tallies = Tallies::of(M, &votes);
        for i in 0..M {
            for j in 0..M {
                if let (Some(x), Some(y)) = (tallies.pair(i, j).win_rate_i(), tallies.pair(j, i).win_rate_i()) {
                    prop_assert!((x + y - 1.0).abs() < 1e-12);
                }
            }
        }
    }

    #[test]
    fn writing_a_vote_the_other_way_round_changes_nothing(votes in votes()) {
        let reversed: Vec<Vote> =
            votes.iter().map(|v| Vote { a: v.b, b: v.a, outcome: v.outcome.swapped(), ..*v }).collect();
        prop_assert_eq!(Tallies::of(M, &votes), Tallies::of(M, &reversed));
    }

    #[test]
    fn scores_move_together_with_the_anchor_and_follow_relabelling(votes in votes(), anchor in 0..M) {
        let tallies = Tallies::of(M, &votes);
        let Ok(first) = bradley_terry(&tallies, 0, None) else { return Ok(()) };
        let Ok(moved) = bradley_terry(&tallies, anchor, None) else { return Err(TestCaseError::fail("the anchor changed whether a fit exists")) };
        if let Some(old) = first.scores[anchor] {
            for (x, y) in first.scores.iter().zip(&moved.scores) {
                if let (Some(x), Some(y)) = (x, y) {
                    prop_assert!((y - (x - (old - 1000.0))).abs() < 1e-6, "{:?} {:?}", first.scores, moved.scores);
                }
            }
        }
        // Contender k renamed M - 1 - k: the same scores, in the other order.
        let renamed: Vec<Vote> = votes
            .iter()
            .map(|v| Vote { a: M as u32 - 1 - v.a, b: M as u32 - 1 - v.b, ..*v })
            .collect();
        let fit = bradley_terry(&Tallies::of(M, &renamed), M - 1, None).unwrap();
        // Centred, as the anchor falls back to the first contender with votes when the
        // one named has none.
        let centred = |scores: &[Option<f64>]| {
            let defined: Vec<f64> = scores.iter().flatten().copied().collect();
            let mean = defined.iter().sum::<f64>() / defined.len() as f64;
            scores.iter().map(|score| score.map(|s| s - mean)).collect::<Vec<_>>()
        };
        let (x, y) = (centred(&first.scores), centred(&fit.scores));
        for k in 0..M {
            match (x[k], y[M - 1 - k]) {
                (Some(x), Some(y)) => prop_assert!((x - y).abs() < 1e-6),
                (x, y) => prop_assert_eq!(x.is_none(), y.is_none()),
            }
        }
    }

    #[test]
    fn the_prompt_bootstrap_is_reproducible_and_keeps_rates_in_bounds(votes in votes(), seed in 0u64..1000) {
        let resampling = Resampling { replicates: 60, seed, confidence: 0.9 };
        let prompts = PromptVotes::new(M, &votes);
        let once = prompt_bootstrap(&prompts, 0, resampling);
        prop_assert_eq!(&once, &prompt_bootstrap(&prompts, 0, resampling));
        for interval in once.pairs.iter().chain(&once.pooled).flatten() {
            prop_assert!(0.0 <= interval.low && interval.low <= interval.high && interval.high <= 1.0);
        }
    }
}
