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
    let mut intervals = percentile_intervals(n_units, replicates, seed, confidence, 1, |draw, out| {
        out[0] = statistic(draw);
    });
    intervals.pop().flatten()
}

/// Intervals of `k` statistics from the same resamples: one draw per replicate serves
/// them all, and the statistics' intervals come from the same bootstrap world.
pub fn percentile_intervals(
    n_units: usize,
    replicates: usize,
    seed: u64,
    confidence: f64,
    k: usize,
    mut statistics: impl FnMut(&[usize], &mut [Option<f64>]),
) -> Vec<Option<Interval>> {
    if n_units == 0 || replicates == 0 || !(0.0 < confidence && confidence < 1.0) {
        return vec![None; k];
    }
    let mut rng = Rng::new(seed);
    let mut draw = vec![0usize; n_units];
    let mut out = vec![None; k];
    let mut estimates: Vec<Vec<f64>> = vec![Vec::with_capacity(replicates); k];
    for _ in 0..replicates {
        for slot in draw.iter_mut() {
            *slot = rng.below(n_units);
        }
        out.fill(None);
        statistics(&draw, &mut out);
        for (values, value) in estimates.iter_mut().zip(&out) {
            if let Some(value) = value.filter(|value| value.is_finite()) {
                values.push(value);
            }
        }
    }
    let tail = (1.0 - confidence) / 2.0;
    estimates
        .into_iter()
        .map(|mut values| {
            if values.len() * 2 < replicates {
                return None;
            }
            values.sort_by(f64::total_cmp);
            Some(Interval {
                low: quantile(&values, tail),
                high: quantile(&values, 1.0 - tail),
                replicates_used: values.len(),
            })
        })
        .collect()
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
