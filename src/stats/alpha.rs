//! Krippendorff's alpha for any number of raters, with missing values.
//!
//! alpha = 1 - D_o / D_e, where D_o is the observed disagreement within units and D_e
//! the disagreement expected by chance over all pairable values (Krippendorff 2011,
//! "Computing Krippendorff's Alpha-Reliability"). Only units with two or more values are
//! pairable; a unit with one value changes nothing.

use std::cmp::Ordering;
use std::fmt;

/// Level of measurement: which difference function alpha uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Nominal,
    Ordinal,
    Interval,
    Ratio,
}

impl Level {
    pub const ALL: [Level; 4] = [Level::Nominal, Level::Ordinal, Level::Interval, Level::Ratio];

    pub fn name(self) -> &'static str {
        match self {
            Level::Nominal => "nominal",
            Level::Ordinal => "ordinal",
            Level::Interval => "interval",
            Level::Ratio => "ratio",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Values grouped by unit, stored flat: only the values present (missing ratings are
/// simply absent).
#[derive(Debug, Clone, PartialEq)]
pub struct Units<T> {
    values: Vec<T>,
    ends: Vec<usize>,
}

impl<T> Default for Units<T> {
    fn default() -> Self {
        Units { values: Vec::new(), ends: Vec::new() }
    }
}

impl<T> Units<T> {
    pub fn new() -> Units<T> {
        Units::default()
    }

    pub fn push_unit(&mut self, values: impl IntoIterator<Item = T>) {
        self.values.extend(values);
        self.ends.push(self.values.len());
    }

    /// Number of units, including empty ones.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn unit(&self, index: usize) -> &[T] {
        let start = if index == 0 { 0 } else { self.ends[index - 1] };
        &self.values[start..self.ends[index]]
    }

    pub fn iter(&self) -> impl Iterator<Item = &[T]> + '_ {
        (0..self.len()).map(|index| self.unit(index))
    }
}

impl<T: Clone> Units<T> {
    /// The units at `indices`, repeats allowed: one bootstrap resample.
    pub fn select(&self, indices: &[usize]) -> Units<T> {
        let mut selected = Units::new();
        for &index in indices {
            selected.push_unit(self.unit(index).iter().cloned());
        }
        selected
    }
}

/// Why alpha has no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Undefined {
    /// No unit has two or more values, so there is nothing to compare.
    NoPairableUnits,
    /// Every pairable value is the same, so chance disagreement is zero and alpha is 0/0.
    NoVariation,
}

impl Undefined {
    pub fn reason(self) -> &'static str {
        match self {
            Undefined::NoPairableUnits => "no unit has two or more ratings",
            Undefined::NoVariation => "no variation: every pairable rating is the same",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Alpha {
    /// `None` when undefined; see `undefined`.
    pub value: Option<f64>,
    pub undefined: Option<Undefined>,
    /// Units with at least one value.
    pub n_units: usize,
    /// Values in units with two or more values (Krippendorff's n).
    pub n_pairable: usize,
    pub observed_disagreement: f64,
    pub expected_disagreement: f64,
}

/// Krippendorff's alpha of numeric values at `level`. For nominal and ordinal data the
/// numbers are category codes; ordinal needs codes whose numeric order is the category
/// order (the distances between codes do not matter).
pub fn krippendorff_alpha(units: &Units<f64>, level: Level) -> Alpha {
    match level {
        Level::Nominal => nominal(units),
        Level::Ordinal => ordinal(units),
        Level::Interval => interval(units, |value| value),
        Level::Ratio => alpha_by_distance(units, f64::total_cmp, |a, b| {
            let sum = a + b;
            if sum == 0.0 { 0.0 } else { ((a - b) / sum).powi(2) }
        }),
    }
}

/// Alpha with any difference function `distance` (Krippendorff's delta squared), over
/// values ordered by `cmp` (values that compare equal are the same category). Costs
/// O(sum of m^2) within units plus O(V^2) over the V distinct values.
pub fn alpha_by_distance<T>(
    units: &Units<T>,
    cmp: impl Fn(&T, &T) -> Ordering,
    distance: impl Fn(&T, &T) -> f64,
) -> Alpha {
    let mut pooled: Vec<&T> = pairable(units).flatten().collect();
    let n = pooled.len();
    pooled.sort_by(|a, b| cmp(a, b));
    let mut distinct: Vec<(&T, f64)> = Vec::new();
    for value in pooled {
        match distinct.last_mut() {
            Some((last, count)) if cmp(last, value) == Ordering::Equal => *count += 1.0,
            _ => distinct.push((value, 1.0)),
        }
    }
    let mut expected_sum = 0.0;
    for (i, (a, count_a)) in distinct.iter().enumerate() {
        for (b, count_b) in &distinct[i + 1..] {
            expected_sum += 2.0 * count_a * count_b * distance(a, b);
        }
    }
    let mut observed_sum = 0.0;
    for unit in pairable(units) {
        let mut within = 0.0;
        for (i, a) in unit.iter().enumerate() {
            for b in &unit[i + 1..] {
                within += 2.0 * distance(a, b);
            }
        }
        observed_sum += within / (unit.len() as f64 - 1.0);
    }
    finish(units, n, observed_sum, expected_sum)
}

/// MASI distance between two tag sets (Passonneau 2006): 1 - J * M, with J the Jaccard
/// index and M = 1 for equal sets, 2/3 when one contains the other, 1/3 when they only
/// overlap, 0 when disjoint. Two empty sets are equal (distance 0). NLTK rounds M to
/// 0.67 and 0.33; we keep the exact thirds of the paper.
pub fn masi_distance<T: Ord>(a: &std::collections::BTreeSet<T>, b: &std::collections::BTreeSet<T>) -> f64 {
    if a == b {
        return 0.0;
    }
    let shared = a.intersection(b).count();
    let union = a.len() + b.len() - shared;
    let monotonicity = if shared == a.len().min(b.len()) {
        2.0 / 3.0
    } else if shared > 0 {
        1.0 / 3.0
    } else {
        0.0
    };
    1.0 - (shared as f64 / union as f64) * monotonicity
}

fn pairable<T>(units: &Units<T>) -> impl Iterator<Item = &[T]> + '_ {
    units.iter().filter(|unit| unit.len() >= 2)
}

/// Builds the result from Krippendorff's sums: observed = sum over units of within-unit
/// pair distances / (m_u - 1); expected = sum over all ordered pairs of pooled values.
fn finish<T>(units: &Units<T>, n: usize, observed_sum: f64, expected_sum: f64) -> Alpha {
    let n_units = units.iter().filter(|unit| !unit.is_empty()).count();
    let nf = n as f64;
    let (observed, expected) = if n >= 2 { (observed_sum / nf, expected_sum / (nf * (nf - 1.0))) } else { (0.0, 0.0) };
    let undefined = if n == 0 {
        Some(Undefined::NoPairableUnits)
    } else if expected <= 0.0 {
        Some(Undefined::NoVariation)
    } else {
        None
    };
    Alpha {
        value: undefined.is_none().then(|| 1.0 - observed / expected),
        undefined,
        n_units,
        n_pairable: n,
        observed_disagreement: observed,
        expected_disagreement: expected,
    }
}

/// Nominal: delta = 0 for equal values, 1 otherwise; O(n log n) via counts.
fn nominal(units: &Units<f64>) -> Alpha {
    let mut pooled: Vec<f64> = pairable(units).flatten().copied().collect();
    pooled.sort_unstable_by(f64::total_cmp);
    let n = pooled.len() as f64;
    let expected_sum = n * n - sum_of_squared_run_lengths(&pooled);
    let mut scratch = Vec::new();
    let mut observed_sum = 0.0;
    for unit in pairable(units) {
        let m = unit.len();
        // m^2 - sum of squared run lengths = the ordered pairs that differ.
        let differing = if m <= 16 {
            let mut equal_pairs = 0usize;
            for (i, a) in unit.iter().enumerate() {
                equal_pairs += unit[i + 1..].iter().filter(|b| a.total_cmp(b) == Ordering::Equal).count();
            }
            (m * m - m - 2 * equal_pairs) as f64
        } else {
            scratch.clear();
            scratch.extend_from_slice(unit);
            scratch.sort_unstable_by(f64::total_cmp);
            (m * m) as f64 - sum_of_squared_run_lengths(&scratch)
        };
        observed_sum += differing / (m as f64 - 1.0);
    }
    finish(units, pooled.len(), observed_sum, expected_sum)
}

fn sum_of_squared_run_lengths(sorted: &[f64]) -> f64 {
    let mut total = 0.0;
    let mut run = 0.0;
    for (i, value) in sorted.iter().enumerate() {
        if i > 0 && sorted[i - 1].total_cmp(value) != Ordering::Equal {
            total += run * run;
            run = 0.0;
        }
        run += 1.0;
    }
    total + run * run
}

/// Ordinal: Krippendorff's delta_ck = sum_{g=c..k} n_g - (n_c + n_k)/2 equals r_k - r_c
/// with r_c = (number of pairable values below c) + n_c / 2, so ordinal alpha is interval
/// alpha on those mid-ranks: O(n log n).
fn ordinal(units: &Units<f64>) -> Alpha {
    let mut pooled: Vec<f64> = pairable(units).flatten().copied().collect();
    pooled.sort_by(f64::total_cmp);
    let mut categories: Vec<f64> = Vec::new();
    let mut mid_ranks: Vec<f64> = Vec::new();
    let mut start = 0;
    while start < pooled.len() {
        let mut end = start + 1;
        while end < pooled.len() && pooled[end].total_cmp(&pooled[start]) == Ordering::Equal {
            end += 1;
        }
        categories.push(pooled[start]);
        mid_ranks.push(start as f64 + (end - start) as f64 / 2.0);
        start = end;
    }
    interval(units, |value| {
        // Every pairable value is among the categories; unpaired values are never read.
        match categories.binary_search_by(|c| c.total_cmp(&value)) {
            Ok(index) => mid_ranks[index],
            Err(_) => f64::NAN,
        }
    })
}

/// Interval: delta = (c - k)^2. Within a unit, the sum over ordered pairs of squared
/// differences is 2 m sum (x - mean)^2, so no pair is visited: O(n).
fn interval(units: &Units<f64>, transform: impl Fn(f64) -> f64) -> Alpha {
    let mut n = 0usize;
    let mut total = 0.0;
    let mut observed_sum = 0.0;
    let mut transformed = Vec::new();
    for unit in pairable(units) {
        transformed.clear();
        transformed.extend(unit.iter().map(|value| transform(*value)));
        let m = transformed.len() as f64;
        let mean = transformed.iter().sum::<f64>() / m;
        let squares: f64 = transformed.iter().map(|x| (x - mean).powi(2)).sum();
        observed_sum += 2.0 * m * squares / (m - 1.0);
        n += transformed.len();
        total += transformed.iter().sum::<f64>();
    }
    let nf = n as f64;
    let grand_mean = if n > 0 { total / nf } else { 0.0 };
    let pooled_squares: f64 = pairable(units).flatten().map(|value| (transform(*value) - grand_mean).powi(2)).sum();
    let expected_sum = 2.0 * nf * pooled_squares;
    finish(units, n, observed_sum, expected_sum)
}

/// At most this many distinct values for the coincidence form of [`AlphaPatterns`]: its
/// expected disagreement costs the square of it per replicate.
pub const MAX_COINCIDENCE_VALUES: usize = 128;

/// What alpha needs of each pattern of units (units with the same multiset of values),
/// so that a bootstrap replicate, given how many times each pattern was drawn, costs the
/// number of patterns and not of units. The result equals [`krippendorff_alpha`] (or
/// [`alpha_by_distance`]) of the resampled units, up to rounding.
#[derive(Debug, Clone)]
pub struct AlphaPatterns {
    form: Form,
    /// Per pattern its number of values m (0 or 1: not pairable, ignored).
    m: Vec<f64>,
}

#[derive(Debug, Clone)]
enum Form {
    /// Coincidences: per pattern (value index, count) pairs over V distinct values.
    Coincidence {
        v: usize,
        entries: Vec<(u32, f64)>,
        ends: Vec<usize>,
        /// The V x V distances, or `None` for ordinal (distances follow the resample).
        delta: Option<Vec<f64>>,
        /// Per pattern its observed term, sum of within-unit distances / (m - 1), when
        /// the distances are fixed.
        observed: Vec<f64>,
    },
    /// Interval data with many values: per pattern the sum and sum of squares of its
    /// values (centred on the full sample's mean, against cancellation) and its
    /// observed term.
    Sums { sums: Vec<f64>, squares: Vec<f64>, observed: Vec<f64> },
}

impl AlphaPatterns {
    /// Patterns of numeric values at `level`, one per unit in `representatives` (each
    /// standing for its pattern). `None` for ordinal or ratio data with more than
    /// [`MAX_COINCIDENCE_VALUES`] distinct values.
    pub fn new(units: &Units<f64>, representatives: &[usize], level: Level) -> Option<AlphaPatterns> {
        match level {
            Level::Nominal => {
                Self::coincidence(units, representatives, f64::total_cmp, |a, b| f64::from(a != b), false)
            }
            Level::Ordinal => Self::coincidence(units, representatives, f64::total_cmp, |_, _| 0.0, true),
            Level::Interval => Self::coincidence(units, representatives, f64::total_cmp, |a, b| (a - b).powi(2), false)
                .or_else(|| Some(Self::interval_sums(units, representatives))),
            Level::Ratio => Self::coincidence(
                units,
                representatives,
                f64::total_cmp,
                |a, b| {
                    let sum = a + b;
                    if sum == 0.0 { 0.0 } else { ((a - b) / sum).powi(2) }
                },
                false,
            ),
        }
    }

    /// Patterns for any difference function, as [`alpha_by_distance`]; `None` beyond
    /// [`MAX_COINCIDENCE_VALUES`] distinct values.
    pub fn with_distance<T>(
        units: &Units<T>,
        representatives: &[usize],
        cmp: impl Fn(&T, &T) -> Ordering,
        distance: impl Fn(&T, &T) -> f64,
    ) -> Option<AlphaPatterns> {
        Self::coincidence(units, representatives, cmp, distance, false)
    }

    fn coincidence<T>(
        units: &Units<T>,
        representatives: &[usize],
        cmp: impl Fn(&T, &T) -> Ordering,
        distance: impl Fn(&T, &T) -> f64,
        ordinal: bool,
    ) -> Option<AlphaPatterns> {
        let pairable_units = || representatives.iter().map(|&unit| units.unit(unit)).filter(|unit| unit.len() >= 2);
        let mut distinct: Vec<&T> = pairable_units().flatten().collect();
        distinct.sort_by(|a, b| cmp(a, b));
        distinct.dedup_by(|a, b| cmp(a, b) == Ordering::Equal);
        if distinct.len() > MAX_COINCIDENCE_VALUES {
            return None;
        }
        let v = distinct.len();
        let delta: Vec<f64> = (0..v * v).map(|index| distance(distinct[index / v], distinct[index % v])).collect();
        let mut entries = Vec::new();
        let mut ends = Vec::with_capacity(representatives.len());
        let mut observed = Vec::with_capacity(representatives.len());
        let mut m = Vec::with_capacity(representatives.len());
        let mut codes: Vec<u32> = Vec::new();
        for &unit in representatives {
            let values = units.unit(unit);
            let start = entries.len();
            if values.len() >= 2 {
                codes.clear();
                // Every pairable value is among the distinct ones.
                codes.extend(
                    values.iter().map(|value| distinct.binary_search_by(|probe| cmp(probe, value)).unwrap_or(0) as u32),
                );
                codes.sort_unstable();
                for (i, &code) in codes.iter().enumerate() {
                    if i > 0 && codes[i - 1] == code {
                        if let Some((_, count)) = entries.last_mut() {
                            *count += 1.0;
                        }
                    } else {
                        entries.push((code, 1.0));
                    }
                }
            }
            let pattern = &entries[start..];
            let mut within = 0.0;
            for &(c, count_c) in pattern {
                for &(k, count_k) in pattern {
                    within += count_c * count_k * delta[c as usize * v + k as usize];
                }
            }
            let mf = values.len() as f64;
            observed.push(if values.len() >= 2 { within / (mf - 1.0) } else { 0.0 });
            m.push(mf);
            ends.push(entries.len());
        }
        let delta = (!ordinal).then_some(delta);
        Some(AlphaPatterns { form: Form::Coincidence { v, entries, ends, delta, observed }, m })
    }

    /// Interval alpha from per-pattern sums, whatever the number of distinct values.
    pub fn interval_sums(units: &Units<f64>, representatives: &[usize]) -> AlphaPatterns {
        let pairable = || representatives.iter().map(|&unit| units.unit(unit)).filter(|unit| unit.len() >= 2);
        let n: usize = pairable().map(<[f64]>::len).sum();
        let centre = if n == 0 { 0.0 } else { pairable().flatten().sum::<f64>() / n as f64 };
        let mut sums = Vec::with_capacity(representatives.len());
        let mut squares = Vec::with_capacity(representatives.len());
        let mut observed = Vec::with_capacity(representatives.len());
        let mut m = Vec::with_capacity(representatives.len());
        for &unit in representatives {
            let values = units.unit(unit);
            let mf = values.len() as f64;
            let sum: f64 = values.iter().map(|x| x - centre).sum();
            let square: f64 = values.iter().map(|x| (x - centre).powi(2)).sum();
            let mean = values.iter().sum::<f64>() / mf;
            let spread: f64 = values.iter().map(|x| (x - mean).powi(2)).sum();
            sums.push(sum);
            squares.push(square);
            observed.push(if values.len() >= 2 { 2.0 * mf * spread / (mf - 1.0) } else { 0.0 });
            m.push(mf);
        }
        AlphaPatterns { form: Form::Sums { sums, squares, observed }, m }
    }

    /// Number of patterns.
    pub fn len(&self) -> usize {
        self.m.len()
    }

    pub fn is_empty(&self) -> bool {
        self.m.is_empty()
    }

    /// Alpha of the sample holding `weights[p]` units of each pattern p: its value, or
    /// `None` when undefined.
    pub fn alpha(&self, weights: &[f64]) -> Option<f64> {
        let mut n = 0.0;
        for (&w, &m) in weights.iter().zip(&self.m) {
            if w > 0.0 && m >= 2.0 {
                n += w * m;
            }
        }
        let (observed_sum, expected_sum) = match &self.form {
            Form::Sums { sums, squares, observed } => {
                let (mut total, mut total_squares, mut observed_sum) = (0.0, 0.0, 0.0);
                for (p, &w) in weights.iter().enumerate() {
                    if w > 0.0 && self.m[p] >= 2.0 {
                        total += w * sums[p];
                        total_squares += w * squares[p];
                        observed_sum += w * observed[p];
                    }
                }
                let expected_sum = 2.0 * (n * total_squares - total * total);
                // Below the rounding error of its terms, the spread is none.
                (observed_sum, if expected_sum <= 1e-12 * 2.0 * n * total_squares { 0.0 } else { expected_sum })
            }
            Form::Coincidence { v, entries, ends, delta, observed } => {
                let v = *v;
                let mut counts = vec![0.0; v];
                let mut observed_sum = 0.0;
                let pattern = |p: usize| &entries[if p == 0 { 0 } else { ends[p - 1] }..ends[p]];
                for (p, &w) in weights.iter().enumerate() {
                    if w > 0.0 && self.m[p] >= 2.0 {
                        for &(c, count) in pattern(p) {
                            counts[c as usize] += w * count;
                        }
                        observed_sum += w * observed[p];
                    }
                }
                match delta {
                    Some(delta) => {
                        let mut expected_sum = 0.0;
                        for (c, count_c) in counts.iter().enumerate().filter(|(_, count)| **count > 0.0) {
                            for (k, count_k) in counts.iter().enumerate() {
                                expected_sum += count_c * count_k * delta[c * v + k];
                            }
                        }
                        (observed_sum, expected_sum)
                    }
                    None => {
                        // Ordinal: interval alpha on the resample's mid-ranks (see `ordinal`).
                        let mut ranks = vec![0.0; v];
                        let mut below = 0.0;
                        for (rank, count) in ranks.iter_mut().zip(&counts) {
                            *rank = below + count / 2.0;
                            below += count;
                        }
                        let mut observed_sum = 0.0;
                        for (p, &w) in weights.iter().enumerate() {
                            let m = self.m[p];
                            if w > 0.0 && m >= 2.0 {
                                // Centred sums: differences of large squares would not cancel.
                                let mean =
                                    pattern(p).iter().map(|&(c, count)| count * ranks[c as usize]).sum::<f64>() / m;
                                let spread: f64 = pattern(p)
                                    .iter()
                                    .map(|&(c, count)| count * (ranks[c as usize] - mean).powi(2))
                                    .sum();
                                observed_sum += w * 2.0 * m * spread / (m - 1.0);
                            }
                        }
                        let mean = counts.iter().zip(&ranks).map(|(count, rank)| count * rank).sum::<f64>() / n;
                        let spread: f64 =
                            counts.iter().zip(&ranks).map(|(count, rank)| count * (rank - mean).powi(2)).sum();
                        (observed_sum, 2.0 * n * spread)
                    }
                }
            }
        };
        if n < 2.0 {
            return None;
        }
        let expected = expected_sum / (n * (n - 1.0));
        let observed = observed_sum / n;
        (expected > 0.0).then(|| 1.0 - observed / expected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C:
    /// 4 observers x 12 units with missing values (columns are units).
    pub(crate) fn krippendorff_2011() -> Units<f64> {
        const M: f64 = f64::NAN;
        let observers = [
            [1., 2., 3., 3., 2., 1., 4., 1., 2., M, M, M],
            [1., 2., 3., 3., 2., 2., 4., 1., 2., 5., M, 3.],
            [M, 3., 3., 3., 2., 3., 4., 2., 2., 5., 1., M],
            [1., 2., 3., 3., 2., 4., 4., 1., 2., 5., 1., M],
        ];
        let mut units = Units::new();
        for unit in 0..12 {
            units.push_unit(observers.iter().map(|row| row[unit]).filter(|v| !v.is_nan()));
        }
        units
    }

    fn alpha(units: &Units<f64>, level: Level) -> f64 {
        krippendorff_alpha(units, level).value.unwrap()
    }

    #[test]
    fn krippendorff_2011_worked_example_all_levels() {
        let units = krippendorff_2011();
        // The paper prints three decimals: 0.743, 0.815, 0.849, 0.797.
        assert_eq!(format!("{:.3}", alpha(&units, Level::Nominal)), "0.743");
        assert_eq!(format!("{:.3}", alpha(&units, Level::Ordinal)), "0.815");
        assert_eq!(format!("{:.3}", alpha(&units, Level::Interval)), "0.849");
        assert_eq!(format!("{:.3}", alpha(&units, Level::Ratio)), "0.797");
        let result = krippendorff_alpha(&units, Level::Nominal);
        assert_eq!((result.n_units, result.n_pairable), (12, 40));
    }

    #[test]
    fn nominal_exact_value_from_the_coincidence_matrix() {
        // By hand from the same example: n_c = (9, 13, 10, 5, 3), sum n_c^2 = 384;
        // off-diagonal coincidences come from units 2 (6/3), 6 (12/3) and 8 (6/3) = 8.
        // alpha = 1 - (n - 1) * 8 / (n^2 - 384) = 1 - 39 * 8 / 1216.
        let expected = 1.0 - 39.0 * 8.0 / 1216.0;
        assert!((alpha(&krippendorff_2011(), Level::Nominal) - expected).abs() < 1e-12);
        let generic = alpha_by_distance(&krippendorff_2011(), f64::total_cmp, |a, b| f64::from(a != b));
        assert!((generic.value.unwrap() - expected).abs() < 1e-12);
    }

    #[test]
    fn fast_paths_match_the_definition() {
        let units = krippendorff_2011();
        let interval = alpha_by_distance(&units, f64::total_cmp, |a, b| (a - b).powi(2));
        assert!((interval.value.unwrap() - alpha(&units, Level::Interval)).abs() < 1e-12);
    }

    #[test]
    fn hand_derived_two_raters_two_units() {
        // Units (a, a) and (a, b): n = 4, n_a = 3, n_b = 1.
        // D_o = (0 + 2/1) / 4 = 0.5; D_e = (16 - 9 - 1) / (4 * 3) = 0.5 -> alpha = 0.
        let mut units = Units::new();
        units.push_unit([1.0, 1.0]);
        units.push_unit([1.0, 2.0]);
        assert!(alpha(&units, Level::Nominal).abs() < 1e-12);
        // Perfect agreement with variation.
        let mut perfect = Units::new();
        perfect.push_unit([1.0, 1.0, 1.0]);
        perfect.push_unit([2.0, 2.0]);
        assert_eq!(alpha(&perfect, Level::Interval), 1.0);
    }

    #[test]
    fn single_values_change_nothing() {
        let mut units = krippendorff_2011();
        let before = krippendorff_alpha(&units, Level::Interval);
        units.push_unit([99.0]);
        let after = krippendorff_alpha(&units, Level::Interval);
        assert_eq!(before.value, after.value);
        assert_eq!(after.n_units, before.n_units + 1);
    }

    #[test]
    fn undefined_cases_are_undefined_not_zero() {
        let mut same = Units::new();
        same.push_unit([3.0, 3.0]);
        same.push_unit([3.0, 3.0, 3.0]);
        let result = krippendorff_alpha(&same, Level::Nominal);
        assert_eq!((result.value, result.undefined), (None, Some(Undefined::NoVariation)));

        let mut lonely = Units::new();
        lonely.push_unit([1.0]);
        lonely.push_unit([2.0]);
        for level in Level::ALL {
            let result = krippendorff_alpha(&lonely, level);
            assert_eq!(result.undefined, Some(Undefined::NoPairableUnits));
            assert_eq!(result.n_units, 2);
        }
        assert_eq!(krippendorff_alpha(&Units::new(), Level::Ordinal).value, None);
    }

    #[test]
    fn masi_distance_cases() {
        let set = |tags: &[&str]| tags.iter().map(|t| t.to_string()).collect::<BTreeSet<_>>();
        assert_eq!(masi_distance(&set(&[]), &set(&[])), 0.0);
        assert_eq!(masi_distance(&set(&["a"]), &set(&["b"])), 1.0);
        // Subset: J = 1/2, M = 2/3 -> 1 - 1/3.
        assert!((masi_distance(&set(&["a"]), &set(&["a", "b"])) - 2.0 / 3.0).abs() < 1e-12);
        // Overlap: J = 1/3, M = 1/3 -> 1 - 1/9.
        assert!((masi_distance(&set(&["a", "b"]), &set(&["b", "c"])) - 8.0 / 9.0).abs() < 1e-12);
    }
}
