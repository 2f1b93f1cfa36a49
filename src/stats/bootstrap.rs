//! Percentile bootstrap over units: resample units with replacement, recompute, take the
//! quantiles of the defined replicates.

use super::rng::Rng;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
    /// Replicates whose statistic was defined (a resample can lose all variation).
    pub replicates_used: usize,
}

/// A `confidence` percentile interval of `statistic` over `replicates` resamples of
/// `n_units` units. `statistic` receives the drawn unit indices and returns `None` when
/// undefined for that resample. Returns `None` when fewer than half the replicates are
/// defined: an interval from the rest would be biased.
pub fn percentile_interval(
    n_units: usize,
    replicates: usize,
    seed: u64,
    confidence: f64,
    mut statistic: impl FnMut(&[usize]) -> Option<f64>,
) -> Option<Interval> {
    if n_units == 0 || replicates == 0 || !(0.0 < confidence && confidence < 1.0) {
        return None;
    }
    let mut rng = Rng::new(seed);
    let mut draw = vec![0usize; n_units];
    let mut estimates = Vec::with_capacity(replicates);
    for _ in 0..replicates {
        for slot in draw.iter_mut() {
            *slot = rng.below(n_units);
        }
        if let Some(value) = statistic(&draw).filter(|value| value.is_finite()) {
            estimates.push(value);
        }
    }
    if estimates.len() * 2 < replicates {
        return None;
    }
    estimates.sort_by(f64::total_cmp);
    let tail = (1.0 - confidence) / 2.0;
    Some(Interval {
        low: quantile(&estimates, tail),
        high: quantile(&estimates, 1.0 - tail),
        replicates_used: estimates.len(),
    })
}

/// Linear interpolation between order statistics (Hyndman & Fan type 7, the default of
/// R and NumPy) of a sorted, non-empty slice.
pub fn quantile(sorted: &[f64], p: f64) -> f64 {
    let position = p * (sorted.len() - 1) as f64;
    let below = position.floor() as usize;
    let above = position.ceil() as usize;
    sorted[below] + (sorted[above] - sorted[below]) * (position - below as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_type_7() {
        // numpy.quantile([1, 2, 3, 4], 0.25) == 1.75
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0], 0.25), 1.75);
        assert_eq!(quantile(&[5.0], 0.9), 5.0);
    }

    #[test]
    fn interval_of_a_mean_brackets_it_and_is_reproducible() {
        let data: Vec<f64> = (0..200).map(|i| f64::from(i % 10)).collect();
        let mean = |draw: &[usize]| Some(draw.iter().map(|&i| data[i]).sum::<f64>() / draw.len() as f64);
        let a = percentile_interval(data.len(), 500, 9, 0.95, mean).unwrap();
        let b = percentile_interval(data.len(), 500, 9, 0.95, mean).unwrap();
        assert_eq!(a, b);
        assert!(a.low < 4.5 && 4.5 < a.high && a.high - a.low < 1.5);
        assert_eq!(a.replicates_used, 500);
    }

    #[test]
    fn mostly_undefined_gives_no_interval() {
        assert_eq!(percentile_interval(10, 100, 1, 0.95, |_| None), None);
    }
}
