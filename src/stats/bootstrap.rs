//! Percentile bootstrap over units: resample units with replacement, recompute, take the
//! quantiles of the defined replicates.
//!
//! Units that look the same to a statistic (the same pattern of ratings) are
//! interchangeable, so a resample is fully described by how many times each distinct
//! pattern was drawn: a multinomial draw of n over the patterns, weighted by their counts.
//! That is exactly the distribution of drawing n units with replacement, at a cost that
//! grows with the number of patterns, not of units ([`pattern_intervals`]).

use std::collections::HashMap;

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
    let mut estimates = Estimates::new(k, replicates);
    for _ in 0..replicates {
        for slot in draw.iter_mut() {
            *slot = rng.below(n_units);
        }
        estimates.record(|out| statistics(&draw, out));
    }
    estimates.intervals(replicates, confidence)
}

/// Units grouped by pattern: which pattern each unit has, how many units share each, and
/// one unit standing for each.
#[derive(Debug, Clone, PartialEq)]
pub struct Patterns {
    of_unit: Vec<u32>,
    counts: Vec<u64>,
    representatives: Vec<usize>,
}

impl Patterns {
    /// Groups units `0..n_units` by the key `key` writes for each (into a cleared buffer).
    pub fn group(n_units: usize, mut key: impl FnMut(usize, &mut Vec<u64>)) -> Patterns {
        let mut index: HashMap<Vec<u64>, u32> = HashMap::new();
        let mut patterns =
            Patterns { of_unit: Vec::with_capacity(n_units), counts: Vec::new(), representatives: Vec::new() };
        let mut scratch = Vec::new();
        for unit in 0..n_units {
            scratch.clear();
            key(unit, &mut scratch);
            let pattern = match index.get(scratch.as_slice()) {
                Some(&pattern) => pattern,
                None => {
                    let pattern = patterns.counts.len() as u32;
                    index.insert(scratch.clone(), pattern);
                    patterns.counts.push(0);
                    patterns.representatives.push(unit);
                    pattern
                }
            };
            patterns.counts[pattern as usize] += 1;
            patterns.of_unit.push(pattern);
        }
        patterns
    }

    /// Groups units `0..n_units` by a small key: `key(unit)` is below `n_keys`.
    pub fn dense(n_units: usize, n_keys: usize, mut key: impl FnMut(usize) -> usize) -> Patterns {
        let mut index = vec![u32::MAX; n_keys];
        let mut patterns =
            Patterns { of_unit: Vec::with_capacity(n_units), counts: Vec::new(), representatives: Vec::new() };
        for unit in 0..n_units {
            let slot = &mut index[key(unit)];
            if *slot == u32::MAX {
                *slot = patterns.counts.len() as u32;
                patterns.counts.push(0);
                patterns.representatives.push(unit);
            }
            patterns.counts[*slot as usize] += 1;
            patterns.of_unit.push(*slot);
        }
        patterns
    }

    /// Every unit its own pattern (nothing to share: continuous values).
    pub fn distinct(n_units: usize) -> Patterns {
        Patterns {
            of_unit: (0..n_units as u32).collect(),
            counts: vec![1; n_units],
            representatives: (0..n_units).collect(),
        }
    }

    /// Number of distinct patterns.
    pub fn len(&self) -> usize {
        self.counts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    pub fn n_units(&self) -> usize {
        self.of_unit.len()
    }

    /// Units per pattern.
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// The first unit of each pattern.
    pub fn representatives(&self) -> &[usize] {
        &self.representatives
    }

    /// The pattern of each unit.
    pub fn of_unit(&self) -> &[u32] {
        &self.of_unit
    }
}

/// Below this many units per pattern, drawing units one by one is cheaper than a
/// binomial per pattern; it is also the draw [`percentile_intervals`] makes, so small
/// samples keep the intervals their seeds gave before patterns existed.
const UNITS_PER_PATTERN_FOR_MULTINOMIAL: usize = 16;

/// [`percentile_intervals`] over pattern weights: `statistics` receives how many times
/// each pattern was drawn in the replicate (as `f64`, indexed like
/// [`Patterns::counts`]) and fills `k` statistics.
pub fn pattern_intervals(
    patterns: &Patterns,
    replicates: usize,
    seed: u64,
    confidence: f64,
    k: usize,
    statistics: impl FnMut(&[f64], &mut [Option<f64>]),
) -> Vec<Option<Interval>> {
    let by_unit = patterns.n_units() <= UNITS_PER_PATTERN_FOR_MULTINOMIAL * patterns.len();
    pattern_intervals_drawn(patterns, replicates, seed, confidence, k, by_unit, statistics)
}

/// [`pattern_intervals`], drawing unit by unit or by a multinomial as `by_unit` says.
fn pattern_intervals_drawn(
    patterns: &Patterns,
    replicates: usize,
    seed: u64,
    confidence: f64,
    k: usize,
    by_unit: bool,
    mut statistics: impl FnMut(&[f64], &mut [Option<f64>]),
) -> Vec<Option<Interval>> {
    let n_units = patterns.n_units();
    if n_units == 0 || replicates == 0 || !(0.0 < confidence && confidence < 1.0) {
        return vec![None; k];
    }
    let mut rng = Rng::new(seed);
    let mut weights = vec![0.0; patterns.len()];
    // Largest patterns first: the draws left shrink fastest.
    let mut order: Vec<usize> = (0..patterns.len()).collect();
    order.sort_by(|&a, &b| patterns.counts[b].cmp(&patterns.counts[a]));
    let mut estimates = Estimates::new(k, replicates);
    for _ in 0..replicates {
        weights.fill(0.0);
        if by_unit {
            for _ in 0..n_units {
                weights[patterns.of_unit[rng.below(n_units)] as usize] += 1.0;
            }
        } else {
            multinomial(&mut rng, n_units as u64, &patterns.counts, &order, &mut weights);
        }
        estimates.record(|out| statistics(&weights, out));
    }
    estimates.intervals(replicates, confidence)
}

/// Draws `n` times among categories with probabilities `counts / sum(counts)`, writing
/// how many landed in each into `out`: a binomial per category conditional on the draws
/// left (visited in `order`).
pub fn multinomial(rng: &mut Rng, n: u64, counts: &[u64], order: &[usize], out: &mut [f64]) {
    let mut draws_left = n;
    let mut mass_left: u64 = counts.iter().sum();
    for &category in order {
        let count = counts[category];
        let drawn = if draws_left == 0 {
            0
        } else if count >= mass_left {
            draws_left
        } else {
            binomial(rng, draws_left, count as f64 / mass_left as f64)
        };
        out[category] = drawn as f64;
        draws_left -= drawn;
        mass_left -= count;
    }
}

/// A Binomial(n, p) variate, exact: by inversion when n min(p, 1 - p) is below 10, else
/// by Hormann's (1993) transformed rejection with squeeze (BTRS, "The generation of
/// binomial random variates", J. Statist. Comput. Simul. 46), O(1) expected.
pub fn binomial(rng: &mut Rng, n: u64, p: f64) -> u64 {
    if n == 0 || p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    if p > 0.5 {
        return n - binomial(rng, n, 1.0 - p);
    }
    if (n as f64) * p < 10.0 { binomial_by_inversion(rng, n, p) } else { binomial_by_rejection(rng, n, p) }
}

/// Sequential search from 0: expected n p + 1 steps.
fn binomial_by_inversion(rng: &mut Rng, n: u64, p: f64) -> u64 {
    let odds = p / (1.0 - p);
    let mut mass = ((n as f64) * (-p).ln_1p()).exp();
    let mut u = uniform(rng);
    let mut k = 0;
    loop {
        u -= mass;
        if u < 0.0 || k == n {
            return k;
        }
        mass *= (n - k) as f64 / (k + 1) as f64 * odds;
        k += 1;
        // The masses summed to 1 less rounding: what rounding left over goes to 0.
        if mass == 0.0 {
            return 0;
        }
    }
}

/// BTRS, for p <= 1/2 and n p >= 10 (the constants are Hormann's).
fn binomial_by_rejection(rng: &mut Rng, n: u64, p: f64) -> u64 {
    let nf = n as f64;
    let q = 1.0 - p;
    let spread = (nf * p * q).sqrt();
    let b = 1.15 + 2.53 * spread;
    let a = -0.0873 + 0.0248 * b + 0.01 * p;
    let c = nf * p + 0.5;
    let v_r = 0.92 - 4.2 / b;
    let odds = p / q;
    let alpha = (2.83 + 5.1 / b) * spread;
    let m = ((nf + 1.0) * p).floor();
    loop {
        let u = uniform(rng) - 0.5;
        let v = uniform(rng);
        let us = 0.5 - u.abs();
        let k = ((2.0 * a / us + b) * u + c).floor();
        if us >= 0.07 && v <= v_r {
            return k as u64;
        }
        if k < 0.0 || k > nf {
            continue;
        }
        // log f(k) - log f(m) by Stirling's series with its tail.
        let v = (v * alpha / (a / (us * us) + b)).ln();
        let bound = (m + 0.5) * ((m + 1.0) / (odds * (nf - m + 1.0))).ln()
            + (nf + 1.0) * ((nf - m + 1.0) / (nf - k + 1.0)).ln()
            + (k + 0.5) * (odds * (nf - k + 1.0) / (k + 1.0)).ln()
            + stirling_tail(m)
            + stirling_tail(nf - m)
            - stirling_tail(k)
            - stirling_tail(nf - k);
        if v <= bound {
            return k as u64;
        }
    }
}

/// log k! - [(k + 1/2) log(k + 1) - (k + 1) + log sqrt(2 pi)].
fn stirling_tail(k: f64) -> f64 {
    const TAIL: [f64; 10] = [
        0.08106146679532726,
        0.04134069595540929,
        0.02767792568499834,
        0.02079067210376509,
        0.01664469118982119,
        0.01387612882307075,
        0.01189670994589177,
        0.01041126526197209,
        0.009255462182712733,
        0.00833056343336287,
    ];
    if k <= 9.0 {
        return TAIL[k as usize];
    }
    let square = (k + 1.0) * (k + 1.0);
    (1.0 / 12.0 - (1.0 / 360.0 - 1.0 / 1260.0 / square) / square) / (k + 1.0)
}

/// Uniform in [0, 1) with 53 random bits.
fn uniform(rng: &mut Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// The defined values of `k` statistics over the replicates.
struct Estimates {
    out: Vec<Option<f64>>,
    values: Vec<Vec<f64>>,
}

impl Estimates {
    fn new(k: usize, replicates: usize) -> Estimates {
        Estimates { out: vec![None; k], values: vec![Vec::with_capacity(replicates); k] }
    }

    fn record(&mut self, statistics: impl FnOnce(&mut [Option<f64>])) {
        self.out.fill(None);
        statistics(&mut self.out);
        for (values, value) in self.values.iter_mut().zip(&self.out) {
            if let Some(value) = value.filter(|value| value.is_finite()) {
                values.push(value);
            }
        }
    }

    fn intervals(self, replicates: usize, confidence: f64) -> Vec<Option<Interval>> {
        let tail = (1.0 - confidence) / 2.0;
        self.values
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

    /// Units 0..n with values `value(unit)`, grouped by value.
    fn grouped(values: &[u8]) -> Patterns {
        Patterns::group(values.len(), |unit, key| key.push(u64::from(values[unit])))
    }

    #[test]
    fn binomial_matches_its_distribution() {
        // Binomial(5, 0.3): P(k) = C(5, k) 0.3^k 0.7^(5-k). 200,000 seeded draws: each
        // frequency's standard error is below 0.0011, the tolerance is 0.005.
        let mut rng = Rng::new(7);
        let mut frequency = [0.0; 6];
        let draws = 200_000;
        for _ in 0..draws {
            frequency[binomial(&mut rng, 5, 0.3) as usize] += 1.0 / f64::from(draws);
        }
        let pmf = [0.16807, 0.36015, 0.3087, 0.1323, 0.02835, 0.00243];
        for (f, p) in frequency.iter().zip(pmf) {
            assert!((f - p).abs() < 0.005, "{frequency:?}");
        }
        // Binomial(100, 0.3), on the rejection path (n p = 30): 400,000 draws against
        // the probability of each k from 15 to 45 (standard errors below 0.0005).
        let mut frequency = vec![0.0; 101];
        for _ in 0..400_000 {
            frequency[binomial(&mut rng, 100, 0.3) as usize] += 1.0 / 400_000.0;
        }
        for k in 15..=45u64 {
            let pmf = (statrs::function::factorial::ln_binomial(100, k)
                + k as f64 * 0.3f64.ln()
                + (100 - k) as f64 * 0.7f64.ln())
            .exp();
            assert!((frequency[k as usize] - pmf).abs() < 0.0025, "k = {k}: {} vs {pmf}", frequency[k as usize]);
        }
        // Large n: mean n p and variance n p (1 - p) = 1,000,000 and 900,000.
        let sample: Vec<f64> = (0..4000).map(|_| binomial(&mut rng, 10_000_000, 0.1) as f64).collect();
        let mean = sample.iter().sum::<f64>() / sample.len() as f64;
        let variance = sample.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (sample.len() - 1) as f64;
        assert!((mean - 1_000_000.0).abs() < 100.0, "{mean}");
        assert!((variance / 900_000.0 - 1.0).abs() < 0.1, "{variance}");
        assert_eq!(binomial(&mut rng, 0, 0.5), 0);
        assert_eq!(binomial(&mut rng, 9, 1.0), 9);
        assert_eq!(binomial(&mut rng, 9, 0.0), 0);
    }

    #[test]
    fn a_multinomial_draws_every_unit_once() {
        let mut rng = Rng::new(3);
        let counts = [5, 0, 900, 95];
        let mut out = [0.0; 4];
        for _ in 0..100 {
            multinomial(&mut rng, 1000, &counts, &[2, 3, 0, 1], &mut out);
            assert_eq!(out.iter().sum::<f64>(), 1000.0);
            assert_eq!(out[1], 0.0);
        }
    }

    #[test]
    fn drawing_by_unit_is_todays_draw_of_units() {
        // The same seed draws the same units, so the replicates and intervals are those
        // of the unit-copy bootstrap.
        let data: Vec<u8> = (0..300).map(|i| (i * 7 % 10) as u8).collect();
        let patterns = grouped(&data);
        let copies = percentile_interval(data.len(), 400, 11, 0.9, |draw| {
            Some(draw.iter().map(|&i| f64::from(data[i])).sum::<f64>() / draw.len() as f64)
        });
        let by_pattern = pattern_intervals_drawn(&patterns, 400, 11, 0.9, 1, true, |weights, out| {
            let total: f64 =
                weights.iter().zip(patterns.representatives()).map(|(w, &unit)| w * f64::from(data[unit])).sum();
            out[0] = Some(total / data.len() as f64);
        })[0];
        let (copies, by_pattern) = (copies.unwrap(), by_pattern.unwrap());
        assert!((copies.low - by_pattern.low).abs() < 1e-12 && (copies.high - by_pattern.high).abs() < 1e-12);
    }

    #[test]
    fn the_multinomial_bootstrap_has_the_distribution_of_the_unit_bootstrap() {
        // A skewed statistic (the share of 0s, rare) on 2,000 units of 4 patterns: the
        // multinomial draw and the unit-by-unit draw are two samplings of one
        // distribution. With 20,000 seeded replicates each, a percentile's Monte Carlo
        // error is below 0.0005 here; the tolerance is 0.002, and the seeds are fixed.
        let data: Vec<u8> = (0..2000).map(|i| [0u8, 1, 1, 2, 3, 3, 3, 3, 3, 3][i % 10]).collect();
        let patterns = grouped(&data);
        let zeros = |weights: &[f64], out: &mut [Option<f64>]| {
            let zero = patterns.representatives().iter().position(|&unit| data[unit] == 0).unwrap();
            out[0] = Some(weights[zero] / 2000.0);
        };
        for confidence in [0.5, 0.9, 0.99] {
            let unit = pattern_intervals_drawn(&patterns, 20_000, 5, confidence, 1, true, zeros)[0].unwrap();
            let multi = pattern_intervals_drawn(&patterns, 20_000, 6, confidence, 1, false, zeros)[0].unwrap();
            assert!((unit.low - multi.low).abs() <= 0.002, "{unit:?} {multi:?}");
            assert!((unit.high - multi.high).abs() <= 0.002, "{unit:?} {multi:?}");
        }
    }
}
