//! Invariants of the kappa family and the correlations, on random data.

use proptest::prelude::*;
use tally::stats::categorical::{Categorical, MultiRater, Weighting, pair_table, weights};
use tally::stats::correlation::{kendall, kendall_counts_by_sorting, kendall_counts_by_table, pearson, spearman};

/// A units x raters grid of categories 0..4, `None` for missing.
fn grid_data() -> impl Strategy<Value = Vec<Vec<Option<u8>>>> {
    (2usize..6).prop_flat_map(|raters| {
        prop::collection::vec(prop::collection::vec(prop::option::weighted(0.8, 0u8..4), raters), 1..40)
    })
}

fn grid(rows: &[Vec<Option<u8>>], rater_order: &[usize]) -> Categorical {
    let mut grid = Categorical::new(rows.len(), rater_order.len(), vec![1.0, 2.0, 3.0, 4.0]);
    for (unit, row) in rows.iter().enumerate() {
        for (slot, &rater) in rater_order.iter().enumerate() {
            if let Some(code) = row[rater] {
                grid.set(unit, slot, u32::from(code));
            }
        }
    }
    grid
}

fn same<E: PartialEq>(a: Result<f64, E>, b: Result<f64, E>) -> bool {
    match (a, b) {
        (Ok(a), Ok(b)) => (a - b).abs() < 1e-9,
        (Err(a), Err(b)) => a == b,
        _ => false,
    }
}

proptest! {
    #[test]
    fn permuting_raters_and_units_changes_nothing(rows in grid_data(), seed in any::<u64>()) {
        let raters = rows[0].len();
        let identity: Vec<usize> = (0..raters).collect();
        let mut reversed = identity.clone();
        reversed.reverse();
        let before = MultiRater::new(&grid(&rows, &identity)).coefficients();
        let by_rater = MultiRater::new(&grid(&rows, &reversed)).coefficients();
        let mut shuffled = rows.clone();
        let shift = (seed as usize) % shuffled.len();
        shuffled.rotate_left(shift);
        let by_unit = MultiRater::new(&grid(&shuffled, &identity)).coefficients();
        for ((a, b), c) in before.as_array().into_iter().zip(by_rater.as_array()).zip(by_unit.as_array()) {
            prop_assert!(same(a, b));
            prop_assert!(same(a, c));
        }
        // Cohen's kappa is symmetric in its two raters.
        let forward = grid(&rows, &identity);
        let w = weights(forward.values(), Weighting::Quadratic);
        let ab = pair_table(&forward, 0, 1, 0..rows.len()).kappa(&w);
        let ba = pair_table(&forward, 1, 0, 0..rows.len()).kappa(&w);
        prop_assert!(same(ab.value, ba.value));
    }

    #[test]
    fn coefficients_stay_in_range(rows in grid_data()) {
        let raters = rows[0].len();
        let order: Vec<usize> = (0..raters).collect();
        let data = grid(&rows, &order);
        let c = MultiRater::new(&data).coefficients();
        if let Ok(pa) = c.percent_agreement {
            prop_assert!((0.0..=1.0 + 1e-12).contains(&pa));
        }
        for value in c.as_array().into_iter().flatten() {
            prop_assert!(value.is_finite() && value <= 1.0 + 1e-12, "{value}");
        }
        for weighting in Weighting::ALL {
            let kappa = pair_table(&data, 0, 1, 0..rows.len()).kappa(&weights(data.values(), weighting));
            if let Ok(value) = kappa.value {
                prop_assert!((-1.0 - 1e-12..=1.0 + 1e-12).contains(&value));
                prop_assert!(kappa.se.is_some_and(|se| se.is_finite() && se >= 0.0));
            }
        }
    }

    #[test]
    fn perfect_agreement_with_variation_is_one(labels in prop::collection::vec(0u8..4, 2..30), raters in 2usize..5) {
        prop_assume!(labels.iter().any(|&l| l != labels[0]));
        let rows: Vec<Vec<Option<u8>>> = labels.iter().map(|&l| vec![Some(l); raters]).collect();
        let order: Vec<usize> = (0..raters).collect();
        let data = grid(&rows, &order);
        for value in MultiRater::new(&data).coefficients().as_array() {
            prop_assert!((value.unwrap() - 1.0).abs() < 1e-12);
        }
        for weighting in Weighting::ALL {
            let kappa = pair_table(&data, 0, 1, 0..rows.len()).kappa(&weights(data.values(), weighting));
            prop_assert!((kappa.value.unwrap() - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn a_unit_rated_once_changes_no_percent_agreement(rows in grid_data(), code in 0u8..4) {
        let raters = rows[0].len();
        let order: Vec<usize> = (0..raters).collect();
        let before = MultiRater::new(&grid(&rows, &order)).coefficients();
        let mut more = rows.clone();
        let mut lonely = vec![None; raters];
        lonely[0] = Some(code);
        more.push(lonely);
        let after = MultiRater::new(&grid(&more, &order)).coefficients();
        prop_assert!(same(before.percent_agreement, after.percent_agreement));
    }

    #[test]
    fn correlations_are_bounded_and_kendall_matches_the_pair_count(
        pairs in prop::collection::vec((0u8..6, 0u8..6), 2..60)
    ) {
        let x: Vec<f64> = pairs.iter().map(|p| f64::from(p.0)).collect();
        let y: Vec<f64> = pairs.iter().map(|p| f64::from(p.1)).collect();
        for result in [pearson(&x, &y, 0.95), spearman(&x, &y, 0.95), kendall(&x, &y, 0.95)] {
            if let Some(value) = result.value {
                prop_assert!((-1.0..=1.0).contains(&value));
            }
            if let Some(p) = result.p {
                prop_assert!((0.0..=1.0).contains(&p), "{p}");
            }
            if let Some((low, high)) = result.ci {
                prop_assert!(low <= high && low >= -1.0 && high <= 1.0);
            }
        }
        // Knight's O(n log n) count against the O(n^2) definition.
        let mut s = 0.0;
        for i in 0..x.len() {
            for j in i + 1..x.len() {
                // f64::signum(0.0) is 1: compare instead.
                s += f64::from((x[i].partial_cmp(&x[j]).unwrap() as i8) * (y[i].partial_cmp(&y[j]).unwrap() as i8));
            }
        }
        // Both exact methods: the table of distinct values and Knight's sort.
        let by_table = kendall_counts_by_table(&x, &y).unwrap();
        let by_sorting = kendall_counts_by_sorting(&x, &y);
        prop_assert_eq!(by_table.s, s);
        prop_assert_eq!(by_table, by_sorting);
        // Symmetric in x and y.
        let (a, b) = (kendall(&x, &y, 0.95).value, kendall(&y, &x, 0.95).value);
        prop_assert!(a.zip(b).is_none_or(|(a, b)| (a - b).abs() < 1e-12) && a.is_some() == b.is_some());
    }
}

proptest! {
    #[test]
    fn ranks_by_counting_are_mid_ranks(values in prop::collection::vec(-3i32..3, 1..50)) {
        let few: Vec<f64> = values.iter().map(|&v| f64::from(v)).collect();
        let ranks = tally::stats::correlation::ranks(&few);
        let mut expected = vec![0.0; few.len()];
        for (i, value) in few.iter().enumerate() {
            let below = few.iter().filter(|other| *other < value).count() as f64;
            let equal = few.iter().filter(|other| *other == value).count() as f64;
            expected[i] = below + (equal + 1.0) / 2.0;
        }
        prop_assert_eq!(ranks, expected);
    }
}

mod pair_patterns {
    use proptest::prelude::*;
    use tally::stats::bootstrap::Patterns;
    use tally::stats::correlation::{PairPatterns, kendall_counts, pearson_r, spearman_rho};

    fn close(a: Option<f64>, b: Option<f64>) -> bool {
        match (a, b) {
            (Some(a), Some(b)) => (a - b).abs() < 1e-9,
            (None, None) => true,
            _ => false,
        }
    }

    proptest! {
        #[test]
        fn a_pattern_replicate_equals_the_correlations_of_the_resampled_pairs(
            pairs in prop::collection::vec((1u8..=5, 0u8..=10), 1..60),
            counts in prop::collection::vec(0u8..4, 60),
        ) {
            // Judge scores 1-5 against human scores 0-1 in tenths: many repeated pairs.
            let x: Vec<f64> = pairs.iter().map(|p| f64::from(p.0)).collect();
            let y: Vec<f64> = pairs.iter().map(|p| f64::from(p.1) / 10.0).collect();
            let patterns = Patterns::group(x.len(), |i, key| key.extend([x[i].to_bits(), y[i].to_bits()]));
            let reduced = PairPatterns::new(&x, &y, patterns.representatives()).unwrap();
            let weights: Vec<f64> = (0..patterns.len()).map(|p| f64::from(counts[p])).collect();
            let (mut xs, mut ys) = (Vec::new(), Vec::new());
            for (&i, &w) in patterns.representatives().iter().zip(&weights) {
                for _ in 0..w as usize {
                    xs.push(x[i]);
                    ys.push(y[i]);
                }
            }
            let [pearson, spearman, kendall] = reduced.correlations(&weights);
            prop_assert!(close(pearson, pearson_r(&xs, &ys)), "{pearson:?} {:?}", pearson_r(&xs, &ys));
            prop_assert!(close(spearman, spearman_rho(&xs, &ys)), "{spearman:?} {:?}", spearman_rho(&xs, &ys));
            let tau = kendall_counts(&xs, &ys).tau_b();
            prop_assert!(close(kendall, tau), "{kendall:?} {tau:?}");
        }
    }
}
