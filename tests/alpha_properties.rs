//! Invariants of Krippendorff's alpha, on random reliability data.

use proptest::prelude::*;
use tally::stats::alpha::{AlphaPatterns, alpha_by_distance};
use tally::stats::bootstrap::Patterns;
use tally::stats::{Level, Units, krippendorff_alpha};

/// Units of 0 to 5 ratings, each a category 1..=5.
fn reliability_data() -> impl Strategy<Value = Vec<Vec<u8>>> {
    prop::collection::vec(prop::collection::vec(1u8..=5, 0..=5), 1..40)
}

fn units(data: &[Vec<u8>]) -> Units<f64> {
    let mut units = Units::new();
    for unit in data {
        units.push_unit(unit.iter().map(|&v| f64::from(v)));
    }
    units
}

fn close(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() < 1e-9,
        (None, None) => true,
        _ => false,
    }
}

/// Krippendorff's ordinal difference, from the pairable values' marginals, literally.
fn ordinal_by_definition(units: &Units<f64>) -> Option<f64> {
    let mut counts = [0.0f64; 6];
    for unit in units.iter().filter(|u| u.len() >= 2) {
        for &value in unit {
            counts[value as usize] += 1.0;
        }
    }
    alpha_by_distance(units, f64::total_cmp, |&c, &k| {
        let (low, high) = (c.min(k) as usize, c.max(k) as usize);
        let between: f64 = counts[low..=high].iter().sum();
        (between - (counts[low] + counts[high]) / 2.0).powi(2)
    })
    .value
}

proptest! {
    #[test]
    fn fast_paths_equal_the_definitions(data in reliability_data()) {
        let units = units(&data);
        let nominal = alpha_by_distance(&units, f64::total_cmp, |a, b| f64::from(a != b)).value;
        prop_assert!(close(krippendorff_alpha(&units, Level::Nominal).value, nominal));
        let interval = alpha_by_distance(&units, f64::total_cmp, |a, b| (a - b).powi(2)).value;
        prop_assert!(close(krippendorff_alpha(&units, Level::Interval).value, interval));
        prop_assert!(close(krippendorff_alpha(&units, Level::Ordinal).value, ordinal_by_definition(&units)));
    }

    #[test]
    fn permuting_units_and_raters_changes_nothing(data in reliability_data(), seed in any::<u64>()) {
        let mut shuffled = data.clone();
        let mut rng = tally::stats::rng::Rng::new(seed);
        rng.shuffle(&mut shuffled);
        for unit in &mut shuffled {
            rng.shuffle(unit);
        }
        for level in Level::ALL {
            let a = krippendorff_alpha(&units(&data), level);
            let b = krippendorff_alpha(&units(&shuffled), level);
            prop_assert!(close(a.value, b.value), "{level}: {:?} vs {:?}", a.value, b.value);
            prop_assert_eq!(a.n_pairable, b.n_pairable);
        }
    }

    #[test]
    fn alpha_is_at_most_one_and_defined_only_with_variation(data in reliability_data()) {
        for level in Level::ALL {
            let result = krippendorff_alpha(&units(&data), level);
            match result.value {
                Some(alpha) => prop_assert!(alpha <= 1.0 + 1e-12 && alpha.is_finite()),
                None => prop_assert!(result.undefined.is_some()),
            }
        }
    }

    #[test]
    fn perfect_agreement_with_variation_is_one(values in prop::collection::vec((1u8..=5, 2usize..5), 2..20)) {
        prop_assume!(values.iter().any(|(v, _)| *v != values[0].0));
        let data: Vec<Vec<u8>> = values.iter().map(|&(v, m)| vec![v; m]).collect();
        for level in Level::ALL {
            prop_assert!(close(krippendorff_alpha(&units(&data), level).value, Some(1.0)));
        }
    }

    #[test]
    fn a_unit_with_one_rating_changes_no_alpha(data in reliability_data(), lone in 1u8..=5) {
        let mut more = data.clone();
        more.push(vec![lone]);
        for level in Level::ALL {
            prop_assert!(close(
                krippendorff_alpha(&units(&data), level).value,
                krippendorff_alpha(&units(&more), level).value
            ));
        }
    }
}

/// The units of `data` grouped by their multiset of values, as the bootstrap groups them.
fn value_patterns(units: &Units<f64>) -> Patterns {
    Patterns::group(units.len(), |unit, key| {
        key.extend(units.unit(unit).iter().map(|value| value.to_bits()));
        key.sort_unstable();
    })
}

/// The sample holding `weights[p]` copies of pattern p's representative: what a
/// bootstrap replicate with those multinomial counts resamples.
fn expand(units: &Units<f64>, patterns: &Patterns, weights: &[f64]) -> Units<f64> {
    let mut picked = Vec::new();
    for (&unit, &weight) in patterns.representatives().iter().zip(weights) {
        picked.extend(std::iter::repeat_n(unit, weight as usize));
    }
    units.select(&picked)
}

proptest! {
    #[test]
    fn a_pattern_replicate_equals_alpha_of_the_resampled_units(
        data in reliability_data(),
        counts in prop::collection::vec(0u8..4, 40),
    ) {
        let units = units(&data);
        let patterns = value_patterns(&units);
        let weights: Vec<f64> = (0..patterns.len()).map(|p| f64::from(counts[p])).collect();
        let resampled = expand(&units, &patterns, &weights);
        for level in Level::ALL {
            let reduced = AlphaPatterns::new(&units, patterns.representatives(), level).unwrap();
            let direct = krippendorff_alpha(&resampled, level).value;
            prop_assert!(close(reduced.alpha(&weights), direct), "{level}: {:?} vs {direct:?}", reduced.alpha(&weights));
        }
        let generic = AlphaPatterns::with_distance(&units, patterns.representatives(), f64::total_cmp, |a, b| (a - b).abs()).unwrap();
        let direct = alpha_by_distance(&resampled, f64::total_cmp, |a, b| (a - b).abs()).value;
        prop_assert!(close(generic.alpha(&weights), direct));
    }

    #[test]
    fn interval_sums_equal_alpha_of_the_resampled_units(
        data in prop::collection::vec(prop::collection::vec(-1e3f64..1e3, 0..=4), 1..30),
        counts in prop::collection::vec(0u8..4, 30),
    ) {
        // Continuous values: more distinct values than coincidences allow, so the
        // per-unit sums carry the replicate.
        let mut units = Units::new();
        for unit in &data {
            units.push_unit(unit.iter().copied());
        }
        let patterns = Patterns::distinct(units.len());
        let weights: Vec<f64> = (0..patterns.len()).map(|p| f64::from(counts[p])).collect();
        let resampled = expand(&units, &patterns, &weights);
        let reduced = AlphaPatterns::interval_sums(&units, patterns.representatives());
        let direct = krippendorff_alpha(&resampled, Level::Interval).value;
        match (reduced.alpha(&weights), direct) {
            (Some(a), Some(b)) => prop_assert!((a - b).abs() < 1e-6, "{a} vs {b}"),
            (a, b) => prop_assert_eq!(a, b),
        }
    }
}
