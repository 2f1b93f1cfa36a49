//! Correlation of paired scores: Pearson's r, Spearman's rho, Kendall's tau-b, with
//! two-sided p-values and Fisher-z confidence intervals.
//!
//! p-values follow scipy.stats: the t approximation (n - 2 df) for Pearson and Spearman;
//! for Kendall the exact permutation distribution when there are no ties and n <= 33,
//! else the normal approximation with the tie-corrected variance (Kendall 1970, 4.4).
//! Confidence intervals: tanh(atanh(r) +- z * se) with se = 1 / sqrt(n - 3) for Pearson,
//! sqrt((1 + rho^2 / 2) / (n - 3)) for Spearman (Bonett & Wright 2000) and
//! sqrt(0.437 / (n - 4)) for Kendall (Fieller, Hartley & Pearson 1957).

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

use super::hash::FastMap;

/// How a p-value was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PMethod {
    /// Student's t with n - 2 degrees of freedom.
    T,
    /// Exact permutation distribution.
    Exact,
    /// Normal approximation.
    Normal,
}

impl PMethod {
    pub fn name(self) -> &'static str {
        match self {
            PMethod::T => "t",
            PMethod::Exact => "exact",
            PMethod::Normal => "normal",
        }
    }
}

/// A correlation coefficient with its test and interval. `value` is `None` when fewer
/// than two pairs or either side is constant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Correlation {
    pub value: Option<f64>,
    pub p: Option<f64>,
    pub p_method: PMethod,
    pub ci: Option<(f64, f64)>,
    pub n: usize,
}

/// Pearson's r, or `None` when undefined.
pub fn pearson_r(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len().min(y.len());
    if n < 2 {
        return None;
    }
    let mean_x = x[..n].iter().sum::<f64>() / n as f64;
    let mean_y = y[..n].iter().sum::<f64>() / n as f64;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x[..n].iter().zip(&y[..n]) {
        let (dx, dy) = (a - mean_x, b - mean_y);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    // A constant column has no correlation; its rounded mean can leave a variance of
    // 1e-33 rather than 0, so test the values themselves.
    let constant = |values: &[f64]| values.iter().all(|v| *v == values[0]);
    if sxx == 0.0 || syy == 0.0 || constant(&x[..n]) || constant(&y[..n]) {
        return None;
    }
    Some((sxy / (sxx.sqrt() * syy.sqrt())).clamp(-1.0, 1.0))
}

/// -0.0 as 0.0, so that the two tie (`total_cmp` orders them apart).
fn canonical(value: f64) -> f64 {
    value + 0.0
}

/// Mid-ranks from 1 (ties share the mean of their ranks).
pub fn ranks(values: &[f64]) -> Vec<f64> {
    // Few distinct values (a rating scale): count them instead of sorting.
    if let Some((codes, distinct)) = dense_codes(values, TABLE_MAX_DISTINCT) {
        let mut counts = vec![0usize; distinct.len()];
        for &code in &codes {
            counts[code as usize] += 1;
        }
        let mut below = 0;
        let mid_ranks: Vec<f64> = counts
            .iter()
            .map(|&count| {
                let rank = below as f64 + (count as f64 + 1.0) / 2.0;
                below += count;
                rank
            })
            .collect();
        return codes.iter().map(|&code| mid_ranks[code as usize]).collect();
    }
    let keyed: Vec<(u64, usize)> = values.iter().enumerate().map(|(i, &v)| (order_key(v), i)).collect();
    let keyed = sort_in_parallel(keyed);
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < keyed.len() {
        let mut end = start + 1;
        while end < keyed.len() && keyed[end].0 == keyed[start].0 {
            end += 1;
        }
        let rank = (start + end + 1) as f64 / 2.0;
        for &(_, index) in &keyed[start..end] {
            ranks[index] = rank;
        }
        start = end;
    }
    ranks
}

/// Spearman's rho: Pearson's r of the mid-ranks.
pub fn spearman_rho(x: &[f64], y: &[f64]) -> Option<f64> {
    pearson_r(&ranks(x), &ranks(y))
}

/// The counts behind Kendall's tau-b.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KendallCounts {
    pub n: usize,
    /// Concordant minus discordant pairs.
    pub s: f64,
    pub discordant: f64,
    pub pairs: f64,
    pub x_ties: TieSums,
    pub y_ties: TieSums,
}

/// Sums over groups of t tied values: t(t-1)/2, t(t-1)(t-2), t(t-1)(2t+5).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TieSums {
    pub pairs: f64,
    pub cubic: f64,
    pub variance: f64,
}

impl TieSums {
    fn add(&mut self, t: usize) {
        let t = t as f64;
        self.pairs += t * (t - 1.0) / 2.0;
        self.cubic += t * (t - 1.0) * (t - 2.0);
        self.variance += t * (t - 1.0) * (2.0 * t + 5.0);
    }
}

/// The counts behind tau-b, by the cheaper of two exact methods: a contingency table of
/// the distinct values when there are few (judge and human scores on a scale), else
/// Knight's sort.
pub fn kendall_counts(x: &[f64], y: &[f64]) -> KendallCounts {
    kendall_counts_by_table(x, y).unwrap_or_else(|| kendall_counts_by_sorting(x, y))
}

/// Most distinct values per side for the table method.
const TABLE_MAX_DISTINCT: usize = 4096;

/// Dense codes of `values` in ascending order, and the distinct values; `None` beyond
/// `limit` distinct values.
fn dense_codes(values: &[f64], limit: usize) -> Option<(Vec<u32>, Vec<f64>)> {
    let mut provisional: FastMap<u64, u32> = FastMap::default();
    let mut distinct: Vec<f64> = Vec::new();
    let mut codes = Vec::with_capacity(values.len());
    for &value in values {
        let value = canonical(value);
        let next = distinct.len() as u32;
        let code = *provisional.entry(value.to_bits()).or_insert(next);
        if code == next {
            if distinct.len() == limit {
                return None;
            }
            distinct.push(value);
        }
        codes.push(code);
    }
    let mut order: Vec<u32> = (0..distinct.len() as u32).collect();
    order.sort_by(|&a, &b| distinct[a as usize].total_cmp(&distinct[b as usize]));
    let mut rank = vec![0u32; distinct.len()];
    for (position, &code) in order.iter().enumerate() {
        rank[code as usize] = position as u32;
    }
    for code in &mut codes {
        *code = rank[*code as usize];
    }
    Some((codes, order.iter().map(|&code| distinct[code as usize]).collect()))
}

/// Tau-b's counts from the table of distinct (x, y) values: O(n + k_x k_y). `None` when
/// either side has too many distinct values or the table would outgrow the data.
pub fn kendall_counts_by_table(x: &[f64], y: &[f64]) -> Option<KendallCounts> {
    let n = x.len().min(y.len());
    let (x_codes, x_values) = dense_codes(&x[..n], TABLE_MAX_DISTINCT)?;
    let (y_codes, y_values) = dense_codes(&y[..n], TABLE_MAX_DISTINCT)?;
    let (rows, columns) = (x_values.len(), y_values.len());
    if rows * columns > n.max(1 << 16) {
        return None;
    }
    if rows == 0 || columns == 0 {
        // No pairs: nothing to count (and no table to walk).
        let none = TieSums::default();
        return Some(KendallCounts { n, s: 0.0, discordant: 0.0, pairs: 0.0, x_ties: none, y_ties: none });
    }
    let mut table = vec![0u64; rows * columns];
    for (&row, &column) in x_codes.iter().zip(&y_codes) {
        table[row as usize * columns + column as usize] += 1;
    }
    let mut x_ties = TieSums::default();
    let mut y_ties = TieSums::default();
    let mut joint_ties = 0.0;
    let mut column_sums = vec![0u64; columns];
    for row in table.chunks_exact(columns) {
        let mut row_sum = 0;
        for (sum, &count) in column_sums.iter_mut().zip(row) {
            *sum += count;
            row_sum += count;
            joint_ties += (count * count.saturating_sub(1)) as f64 / 2.0;
        }
        if row_sum > 1 {
            x_ties.add(row_sum as usize);
        }
    }
    for &sum in &column_sums {
        if sum > 1 {
            y_ties.add(sum as usize);
        }
    }
    // Discordant pairs: a cell against every cell with larger x and smaller y. Walk the
    // rows from the largest x down, keeping for each column the count below it in the
    // rows already passed.
    let mut below = vec![0u64; columns];
    let mut discordant: u64 = 0;
    for row in table.chunks_exact(columns).rev() {
        for (&count, &smaller_y) in row.iter().zip(&below) {
            discordant += count * smaller_y;
        }
        let mut running = 0;
        for (slot, &count) in below.iter_mut().zip(row) {
            *slot += running;
            running += count;
        }
    }
    let total = (n as f64) * (n as f64 - 1.0) / 2.0;
    let discordant = discordant as f64;
    let s = total - x_ties.pairs - y_ties.pairs + joint_ties - 2.0 * discordant;
    Some(KendallCounts { n, s, discordant, pairs: total, x_ties, y_ties })
}

/// Most cells (distinct x values times distinct y values) for [`PairPatterns`]: a
/// replicate walks the whole table.
pub const PATTERN_TABLE_MAX_CELLS: usize = 1 << 14;

/// Paired scores reduced to their distinct (x, y) pairs on a table of the distinct
/// values, so that a bootstrap replicate, given how many times each pair was drawn,
/// costs the table and not the sample: judge and human scores on a scale.
#[derive(Debug, Clone)]
pub struct PairPatterns {
    /// Per pattern its row (x code) and column (y code).
    cells: Vec<(u32, u32)>,
    x_values: Vec<f64>,
    y_values: Vec<f64>,
}

impl PairPatterns {
    /// The pairs `(x[i], y[i])` for `i` in `representatives` (one per distinct pair);
    /// `None` when the table would exceed [`PATTERN_TABLE_MAX_CELLS`].
    pub fn new(x: &[f64], y: &[f64], representatives: &[usize]) -> Option<PairPatterns> {
        let xs: Vec<f64> = representatives.iter().map(|&i| x[i]).collect();
        let ys: Vec<f64> = representatives.iter().map(|&i| y[i]).collect();
        let (x_codes, x_values) = dense_codes(&xs, PATTERN_TABLE_MAX_CELLS)?;
        let (y_codes, y_values) = dense_codes(&ys, PATTERN_TABLE_MAX_CELLS)?;
        if x_values.len() * y_values.len() > PATTERN_TABLE_MAX_CELLS {
            return None;
        }
        Some(PairPatterns { cells: x_codes.into_iter().zip(y_codes).collect(), x_values, y_values })
    }

    /// Pearson's r, Spearman's rho and Kendall's tau-b of the sample holding
    /// `weights[p]` copies of pattern p; each `None` when undefined.
    pub fn correlations(&self, weights: &[f64]) -> [Option<f64>; 3] {
        let (rows, columns) = (self.x_values.len(), self.y_values.len());
        let mut table = vec![0.0; rows * columns];
        for (&(row, column), &weight) in self.cells.iter().zip(weights) {
            table[row as usize * columns + column as usize] += weight;
        }
        let mut row_sums = vec![0.0; rows];
        let mut column_sums = vec![0.0; columns];
        for (row, cells) in table.chunks_exact(columns.max(1)).enumerate().take(rows) {
            for (column, &count) in cells.iter().enumerate() {
                row_sums[row] += count;
                column_sums[column] += count;
            }
        }
        let n: f64 = row_sums.iter().sum();
        let mid_ranks = |sums: &[f64]| -> Vec<f64> {
            let mut below = 0.0;
            sums.iter()
                .map(|&count| {
                    let rank = below + (count + 1.0) / 2.0;
                    below += count;
                    rank
                })
                .collect()
        };
        let pearson_of = |xs: &[f64], ys: &[f64]| -> Option<f64> {
            if n < 2.0 {
                return None;
            }
            let mean_x = xs.iter().zip(&row_sums).map(|(x, w)| x * w).sum::<f64>() / n;
            let mean_y = ys.iter().zip(&column_sums).map(|(y, w)| y * w).sum::<f64>() / n;
            let sxx: f64 = xs.iter().zip(&row_sums).map(|(x, w)| w * (x - mean_x).powi(2)).sum();
            let syy: f64 = ys.iter().zip(&column_sums).map(|(y, w)| w * (y - mean_y).powi(2)).sum();
            let mut sxy = 0.0;
            for (row, cells) in table.chunks_exact(columns).enumerate() {
                let dx = xs[row] - mean_x;
                for (column, &count) in cells.iter().enumerate() {
                    if count > 0.0 {
                        sxy += count * dx * (ys[column] - mean_y);
                    }
                }
            }
            // Zero spread, or only rounding of it, is no spread.
            if sxx <= 1e-12 * n * mean_x.powi(2) || syy <= 1e-12 * n * mean_y.powi(2) {
                return None;
            }
            Some((sxy / (sxx.sqrt() * syy.sqrt())).clamp(-1.0, 1.0))
        };
        let pearson = pearson_of(&self.x_values, &self.y_values);
        let spearman = pearson_of(&mid_ranks(&row_sums), &mid_ranks(&column_sums));
        // Tau-b as in `kendall_counts_by_table`, on weighted counts.
        let tie_pairs = |sums: &[f64]| sums.iter().map(|t| t * (t - 1.0) / 2.0).sum::<f64>();
        let joint_ties: f64 = table.iter().map(|t| t * (t - 1.0) / 2.0).sum();
        let mut below = vec![0.0; columns];
        let mut discordant = 0.0;
        for row in table.chunks_exact(columns.max(1)).take(rows).rev() {
            for (&count, &smaller_y) in row.iter().zip(&below) {
                discordant += count * smaller_y;
            }
            let mut running = 0.0;
            for (slot, &count) in below.iter_mut().zip(row) {
                *slot += running;
                running += count;
            }
        }
        let total = n * (n - 1.0) / 2.0;
        let (x_ties, y_ties) = (tie_pairs(&row_sums), tie_pairs(&column_sums));
        let s = total - x_ties - y_ties + joint_ties - 2.0 * discordant;
        let denominator = (total - x_ties) * (total - y_ties);
        let kendall = (denominator > 0.0).then(|| (s / denominator.sqrt()).clamp(-1.0, 1.0));
        [pearson, spearman, kendall]
    }
}

/// Knight's (1966) O(n log n) count: sort by (x, y), then count the discordant pairs as
/// the swaps a merge sort by y makes.
pub fn kendall_counts_by_sorting(x: &[f64], y: &[f64]) -> KendallCounts {
    let n = x.len().min(y.len());
    let pairs: Vec<(u64, u64)> =
        x[..n].iter().map(|&v| order_key(v)).zip(y[..n].iter().map(|&v| order_key(v))).collect();
    // Pairs equal in both parts are interchangeable, so an unstable sort will do.
    let pairs = sort_in_parallel(pairs);
    let mut x_ties = TieSums::default();
    let mut joint_ties = 0.0;
    let (mut x_run, mut joint_run) = (1usize, 1usize);
    for i in 1..=n {
        let same_x = i < n && pairs[i].0 == pairs[i - 1].0;
        let same_both = same_x && pairs[i].1 == pairs[i - 1].1;
        if same_both {
            joint_run += 1;
        } else {
            joint_ties += (joint_run * (joint_run.saturating_sub(1))) as f64 / 2.0;
            joint_run = 1;
        }
        if same_x {
            x_run += 1;
        } else {
            if x_run > 1 {
                x_ties.add(x_run);
            }
            x_run = 1;
        }
    }
    let mut ys: Vec<u64> = pairs.iter().map(|pair| pair.1).collect();
    let mut buffer = vec![0; n];
    let discordant = merge_count_in_parallel(&mut ys, &mut buffer) as f64;
    let mut y_ties = TieSums::default();
    let mut run = 1;
    for i in 1..=n {
        if i < n && ys[i] == ys[i - 1] {
            run += 1;
        } else {
            if run > 1 {
                y_ties.add(run);
            }
            run = 1;
        }
    }
    let total = (n as f64) * (n as f64 - 1.0) / 2.0;
    let s = total - x_ties.pairs - y_ties.pairs + joint_ties - 2.0 * discordant;
    KendallCounts { n, s, discordant, pairs: total, x_ties, y_ties }
}

/// A u64 that orders like the number (-0 and 0 alike).
fn order_key(value: f64) -> u64 {
    let bits = canonical(value).to_bits();
    if bits >> 63 == 1 { !bits } else { bits | 1 << 63 }
}

/// Below this many values a second thread costs more than it saves.
const PARALLEL_FROM: usize = 1 << 16;

fn two_threads(n: usize) -> bool {
    n >= PARALLEL_FROM && std::thread::available_parallelism().is_ok_and(|cores| cores.get() >= 2)
}

/// Sorts halves on two threads, then merges them.
fn sort_in_parallel<T: Ord + Copy + Send>(mut values: Vec<T>) -> Vec<T> {
    if !two_threads(values.len()) {
        values.sort_unstable();
        return values;
    }
    let middle = values.len() / 2;
    let (left, right) = values.split_at_mut(middle);
    std::thread::scope(|scope| {
        let other = scope.spawn(|| left.sort_unstable());
        right.sort_unstable();
        other.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
    });
    let (left, right) = values.split_at(middle);
    let mut merged = Vec::with_capacity(values.len());
    let (mut i, mut j) = (0, 0);
    while i < left.len() && j < right.len() {
        if right[j] < left[i] {
            merged.push(right[j]);
            j += 1;
        } else {
            merged.push(left[i]);
            i += 1;
        }
    }
    merged.extend_from_slice(&left[i..]);
    merged.extend_from_slice(&right[j..]);
    merged
}

/// [`merge_count`] with the two halves on two threads.
fn merge_count_in_parallel(values: &mut [u64], buffer: &mut [u64]) -> u64 {
    let n = values.len();
    if !two_threads(n) {
        return merge_count(values, buffer);
    }
    let middle = n / 2;
    let (left, right) = values.split_at_mut(middle);
    let (left_buffer, right_buffer) = buffer.split_at_mut(middle);
    let inside = std::thread::scope(|scope| {
        let other = scope.spawn(|| merge_count(left, left_buffer));
        let right_swaps = merge_count(right, right_buffer);
        other.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)) + right_swaps
    });
    inside + merge_halves(values, middle, buffer)
}

/// Sorts `values` and returns the number of strict inversions: a bottom-up merge sort
/// that alternates between `values` and `buffer` instead of copying back at each level.
fn merge_count(values: &mut [u64], buffer: &mut [u64]) -> u64 {
    const RUN: usize = 16;
    let n = values.len();
    let mut swaps = 0;
    for run in values.chunks_mut(RUN) {
        // Insertion sort: each shift undoes one inversion.
        for i in 1..run.len() {
            let value = run[i];
            let mut j = i;
            while j > 0 && run[j - 1] > value {
                run[j] = run[j - 1];
                j -= 1;
            }
            run[j] = value;
            swaps += (i - j) as u64;
        }
    }
    let mut width = RUN;
    let mut in_values = true;
    while width < n {
        let (source, target): (&[u64], &mut [u64]) =
            if in_values { (&*values, &mut *buffer) } else { (&*buffer, &mut *values) };
        for start in (0..n).step_by(2 * width) {
            let middle = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            swaps += merge_into(&source[start..middle], &source[middle..end], &mut target[start..end]);
        }
        in_values = !in_values;
        width *= 2;
    }
    if !in_values {
        values.copy_from_slice(buffer);
    }
    swaps
}

/// Merges the sorted halves `values[..middle]` and `values[middle..]` in place (through
/// `buffer`), returning the inversions between them.
fn merge_halves(values: &mut [u64], middle: usize, buffer: &mut [u64]) -> u64 {
    let n = values.len();
    let swaps = merge_into(&values[..middle], &values[middle..], &mut buffer[..n]);
    values.copy_from_slice(&buffer[..n]);
    swaps
}

/// Merges sorted `left` and `right` into `target`; returns the pairs (l, r) with r < l.
fn merge_into(left: &[u64], right: &[u64], target: &mut [u64]) -> u64 {
    let (mut i, mut j, mut k) = (0, 0, 0);
    let mut swaps = 0;
    while i < left.len() && j < right.len() {
        // Branch-free: on random data the comparison is a coin toss a predictor loses.
        let (l, r) = (left[i], right[j]);
        let take_right = r < l;
        target[k] = if take_right { r } else { l };
        swaps += u64::from(take_right) * (left.len() - i) as u64;
        j += usize::from(take_right);
        i += usize::from(!take_right);
        k += 1;
    }
    target[k..k + left.len() - i].copy_from_slice(&left[i..]);
    k += left.len() - i;
    target[k..k + right.len() - j].copy_from_slice(&right[j..]);
    swaps
}

impl KendallCounts {
    pub fn tau_b(&self) -> Option<f64> {
        let denominator = (self.pairs - self.x_ties.pairs) * (self.pairs - self.y_ties.pairs);
        (denominator > 0.0).then(|| (self.s / denominator.sqrt()).clamp(-1.0, 1.0))
    }

    /// Two-sided p-value of tau-b = 0, and how it was computed.
    pub fn p_value(&self) -> (Option<f64>, PMethod) {
        let n = self.n;
        if self.tau_b().is_none() || n < 2 {
            return (None, PMethod::Normal);
        }
        let no_ties = self.x_ties.pairs == 0.0 && self.y_ties.pairs == 0.0;
        let smaller = self.discordant.min(self.pairs - self.discordant);
        if no_ties && (n <= 33 || smaller <= 1.0) {
            return (Some(kendall_exact_p(n, smaller as usize)), PMethod::Exact);
        }
        let nf = n as f64;
        let m = nf * (nf - 1.0);
        let mut variance = (m * (2.0 * nf + 5.0) - self.x_ties.variance - self.y_ties.variance) / 18.0
            + 2.0 * self.x_ties.pairs * self.y_ties.pairs / m;
        if n > 2 {
            variance += self.x_ties.cubic * self.y_ties.cubic / (9.0 * m * (nf - 2.0));
        }
        if variance.is_nan() || variance <= 0.0 {
            return (None, PMethod::Normal);
        }
        (Some(two_sided_normal(self.s / variance.sqrt())), PMethod::Normal)
    }
}

/// P(at most `c` inversions, or at least total - c) for a random permutation of n:
/// twice the lower tail of the Mahonian distribution, capped at 1.
fn kendall_exact_p(n: usize, c: usize) -> f64 {
    if n <= 2 || 4 * c >= n * (n - 1) {
        return 1.0;
    }
    // Probabilities of k inversions among the first j elements, built one element at a
    // time: p_j(k) = (1/j) * sum_{i < j} p_{j-1}(k - i). Only k <= c matters.
    let mut probabilities = vec![0.0; c + 1];
    probabilities[0] = 1.0;
    let mut next = vec![0.0; c + 1];
    for j in 2..=n {
        let mut window = 0.0;
        for k in 0..=c {
            window += probabilities[k];
            if k >= j {
                window -= probabilities[k - j];
            }
            next[k] = window / j as f64;
        }
        std::mem::swap(&mut probabilities, &mut next);
    }
    (2.0 * probabilities.iter().sum::<f64>()).min(1.0)
}

fn standard_normal() -> Normal {
    Normal::standard()
}

/// The two-sided p-value of a standard normal statistic.
pub(crate) fn two_sided_normal(z: f64) -> f64 {
    (2.0 * standard_normal().sf(z.abs())).min(1.0)
}

/// Two-sided p of a correlation r over n pairs by the t approximation.
fn t_test_p(r: f64, n: usize) -> Option<f64> {
    if n < 3 {
        return None;
    }
    let df = (n - 2) as f64;
    if r.abs() >= 1.0 {
        return Some(0.0);
    }
    let t = r * (df / ((1.0 + r) * (1.0 - r))).sqrt();
    let distribution = StudentsT::new(0.0, 1.0, df).ok()?;
    Some((2.0 * distribution.sf(t.abs())).min(1.0))
}

/// The normal quantile for a two-sided `confidence` interval.
pub fn z_critical(confidence: f64) -> f64 {
    standard_normal().inverse_cdf(0.5 + confidence / 2.0)
}

/// The Student t quantile for a two-sided `confidence` interval on `df` degrees of freedom.
pub fn t_critical(confidence: f64, df: f64) -> Option<f64> {
    Some(StudentsT::new(0.0, 1.0, df).ok()?.inverse_cdf(0.5 + confidence / 2.0))
}

fn fisher_interval(r: f64, se: f64, confidence: f64) -> Option<(f64, f64)> {
    if !(se.is_finite() && se > 0.0) {
        return None;
    }
    let z = r.clamp(-1.0, 1.0).atanh();
    let half = z_critical(confidence) * se;
    Some(((z - half).tanh(), (z + half).tanh()))
}

pub fn pearson(x: &[f64], y: &[f64], confidence: f64) -> Correlation {
    let n = x.len().min(y.len());
    let value = pearson_r(x, y);
    Correlation {
        value,
        p: value.and_then(|r| t_test_p(r, n)),
        p_method: PMethod::T,
        ci: value.filter(|_| n > 3).and_then(|r| fisher_interval(r, 1.0 / (n as f64 - 3.0).sqrt(), confidence)),
        n,
    }
}

pub fn spearman(x: &[f64], y: &[f64], confidence: f64) -> Correlation {
    let n = x.len().min(y.len());
    let value = spearman_rho(x, y);
    let se = |rho: f64| ((1.0 + rho * rho / 2.0) / (n as f64 - 3.0)).sqrt();
    Correlation {
        value,
        p: value.and_then(|rho| t_test_p(rho, n)),
        p_method: PMethod::T,
        ci: value.filter(|_| n > 3).and_then(|rho| fisher_interval(rho, se(rho), confidence)),
        n,
    }
}

pub fn kendall(x: &[f64], y: &[f64], confidence: f64) -> Correlation {
    let counts = kendall_counts(x, y);
    let value = counts.tau_b();
    let (p, p_method) = counts.p_value();
    let n = counts.n;
    Correlation {
        value,
        p,
        p_method,
        ci: value.filter(|_| n > 4).and_then(|tau| fisher_interval(tau, (0.437 / (n as f64 - 4.0)).sqrt(), confidence)),
        n,
    }
}

/// The mean of `differences` with its t interval: the judge's bias when the differences
/// are judge minus human.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeanDifference {
    pub mean: Option<f64>,
    pub ci: Option<(f64, f64)>,
    pub n: usize,
}

pub fn mean_difference(differences: &[f64], confidence: f64) -> MeanDifference {
    let n = differences.len();
    if n == 0 {
        return MeanDifference { mean: None, ci: None, n };
    }
    let mean = differences.iter().sum::<f64>() / n as f64;
    let ci = (n >= 2).then(|| {
        let variance = differences.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (n as f64 - 1.0);
        let half = t_critical(confidence, n as f64 - 1.0).unwrap_or(f64::NAN) * (variance / n as f64).sqrt();
        (mean - half, mean + half)
    });
    MeanDifference { mean: Some(mean), ci: ci.filter(|(low, high)| low.is_finite() && high.is_finite()), n }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_constant_column_has_no_pearson_even_when_its_mean_rounds() {
        // Found by a property test: the mean of three 0.7s is not exactly 0.7.
        assert_eq!(pearson_r(&[3.0, 1.0, 1.0], &[0.7, 0.7, 0.7]), None);
    }

    fn close(a: f64, b: f64, tolerance: f64) -> bool {
        (a - b).abs() <= tolerance
    }

    #[test]
    fn ranks_average_ties() {
        assert_eq!(ranks(&[10.0, 20.0, 10.0, 30.0]), vec![1.5, 3.0, 1.5, 4.0]);
        // Too many distinct values to count: the sort path. Each of 4,500 values twice.
        let many: Vec<f64> = (0..9000).map(|i| f64::from(i % 4500)).collect();
        let ranks_many = ranks(&many);
        assert!(ranks_many.iter().zip(&many).all(|(rank, value)| *rank == 2.0 * value + 1.5));
        let counts = kendall_counts(&many, &many);
        assert_eq!((counts.tau_b(), counts.x_ties.pairs), (Some(1.0), 4500.0));
        assert_eq!(kendall_counts_by_table(&many, &many), None);
        // -0 and 0 are the same number.
        assert_eq!(ranks(&[-0.0, 0.0, 1.0]), vec![1.5, 1.5, 3.0]);
        assert_eq!(kendall_counts(&[-0.0, 0.0, 1.0], &[1.0, 2.0, 3.0]).x_ties.pairs, 1.0);
    }

    #[test]
    fn kendall_counts_match_the_quadratic_definition() {
        let x = [1.0, 2.0, 2.0, 3.0, 5.0, 5.0, 4.0, 1.0];
        let y = [2.0, 1.0, 2.0, 3.0, 3.0, 4.0, 4.0, 2.0];
        let counts = kendall_counts(&x, &y);
        let (mut s, mut tied_x, mut tied_y) = (0.0, 0.0, 0.0);
        for i in 0..x.len() {
            for j in i + 1..x.len() {
                let product = (x[i] - x[j]).signum() * (y[i] - y[j]).signum();
                s += if x[i] == x[j] || y[i] == y[j] { 0.0 } else { product };
                tied_x += f64::from(x[i] == x[j]);
                tied_y += f64::from(y[i] == y[j]);
            }
        }
        let total = 28.0;
        assert_eq!(counts.s, s);
        let expected = s / ((total - tied_x) * (total - tied_y)).sqrt();
        assert!(close(counts.tau_b().unwrap(), expected, 1e-15));
    }

    #[test]
    fn two_threads_count_the_same_inversions() {
        // A permutation of 0..n large enough for the parallel path; its inversions by a
        // Fenwick tree.
        let n = 100_000usize;
        let y: Vec<f64> = (0..n).map(|i| ((i * 7919) % n) as f64).collect();
        let x: Vec<f64> = (0..n).map(|i| i as f64).collect();
        let mut tree = vec![0u64; n + 1];
        let mut inversions = 0u64;
        for (seen, &value) in y.iter().enumerate() {
            let mut at = value as usize + 1;
            let mut not_above = 0;
            while at > 0 {
                not_above += tree[at];
                at &= at - 1;
            }
            inversions += seen as u64 - not_above;
            let mut at = value as usize + 1;
            while at <= n {
                tree[at] += 1;
                at += at & at.wrapping_neg();
            }
        }
        let counts = kendall_counts_by_sorting(&x, &y);
        assert_eq!(counts.discordant, inversions as f64);
        let ranks_y = ranks(&y);
        assert!(ranks_y.iter().zip(&y).all(|(rank, value)| *rank == value + 1.0));
    }

    #[test]
    fn exact_kendall_distribution_small_cases() {
        // n = 4: 24 permutations; inversions 0..6 occur 1, 3, 5, 6, 5, 3, 1 times.
        assert!(close(kendall_exact_p(4, 0), 2.0 / 24.0, 1e-15));
        assert!(close(kendall_exact_p(4, 1), 2.0 * 4.0 / 24.0, 1e-15));
        assert!(close(kendall_exact_p(4, 2), 2.0 * 9.0 / 24.0, 1e-15));
        assert_eq!(kendall_exact_p(4, 3), 1.0);
    }

    #[test]
    fn no_pairs_and_one_pair_are_undefined_not_a_panic() {
        for n in [0, 1] {
            let x = vec![1.0; n];
            for result in [pearson(&x, &x, 0.95), spearman(&x, &x, 0.95), kendall(&x, &x, 0.95)] {
                assert_eq!((result.value, result.p, result.n), (None, None, n));
            }
            assert_eq!(kendall_counts_by_sorting(&x, &x).tau_b(), None);
        }
    }

    #[test]
    fn constant_sides_are_undefined() {
        let x = [1.0, 2.0, 3.0];
        let y = [4.0, 4.0, 4.0];
        assert_eq!(pearson(&x, &y, 0.95).value, None);
        assert_eq!(spearman(&x, &y, 0.95).value, None);
        assert_eq!(kendall(&x, &y, 0.95).value, None);
        assert_eq!(kendall(&x, &y, 0.95).p, None);
    }

    #[test]
    fn mean_difference_interval() {
        let result = mean_difference(&[1.0, 2.0, 3.0], 0.95);
        assert_eq!(result.mean, Some(2.0));
        // t(0.975, 2) = 4.302653; se = 1 / sqrt(3).
        let (low, high) = result.ci.unwrap();
        assert!(close(high - 2.0, 4.302652729911275 / 3f64.sqrt(), 1e-9));
        assert!(close(2.0 - low, high - 2.0, 1e-12));
    }
}
