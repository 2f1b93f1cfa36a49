//! Chance-corrected agreement on categories: percent agreement, Fleiss' kappa and Gwet's
//! AC1/AC2 for any number of raters with missing ratings (Gwet 2014, "Handbook of
//! Inter-Rater Reliability", 4th ed., chapters 2-4), and Cohen's kappa for two raters
//! with the large-sample standard error of Fleiss, Cohen & Everitt (1969).
//!
//! Conventions, where the literature differs:
//! - weights are agreement weights on the category *values* (ranks when the categories
//!   have no numeric values): linear 1 - |x_k - x_l| / (max - min), quadratic
//!   1 - (x_k - x_l)^2 / (max - min)^2, as in Gwet's irrCAC;
//! - the categories are the ones the caller declares (a rubric's options, or the values
//!   observed in a file), which matters for AC1/AC2 whose chance term divides by q(q - 1);
//! - units nobody rated are dropped; percent agreement averages over units with two or
//!   more ratings, and pi_k (each category's share) over units with at least one.

use super::Undefined;

/// A missing rating in [`Categorical`].
pub const MISSING: u32 = u32::MAX;

/// Ratings as category codes in a dense unit x rater grid.
#[derive(Debug, Clone, PartialEq)]
pub struct Categorical {
    n_units: usize,
    n_raters: usize,
    /// Unit-major: the rating of rater r on unit u is at u * n_raters + r.
    codes: Vec<u32>,
    /// Category values, in category-code order, for the weights.
    values: Vec<f64>,
}

impl Categorical {
    /// An empty grid over `values.len()` categories.
    pub fn new(n_units: usize, n_raters: usize, values: Vec<f64>) -> Categorical {
        Categorical { n_units, n_raters, codes: vec![MISSING; n_units * n_raters], values }
    }

    /// Sets one rating; `code` indexes the category values.
    pub fn set(&mut self, unit: usize, rater: usize, code: u32) {
        debug_assert!((code as usize) < self.values.len());
        self.codes[unit * self.n_raters + rater] = code;
    }

    pub fn get(&self, unit: usize, rater: usize) -> Option<u32> {
        let code = self.codes[unit * self.n_raters + rater];
        (code != MISSING).then_some(code)
    }

    pub fn n_units(&self) -> usize {
        self.n_units
    }

    pub fn n_raters(&self) -> usize {
        self.n_raters
    }

    pub fn n_categories(&self) -> usize {
        self.values.len()
    }

    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// The codes of every rater on `unit` ([`MISSING`] where none).
    pub fn row(&self, unit: usize) -> &[u32] {
        &self.codes[unit * self.n_raters..(unit + 1) * self.n_raters]
    }
}

/// How much partial credit a near miss gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weighting {
    /// Only identical categories agree.
    Identity,
    Linear,
    Quadratic,
}

impl Weighting {
    pub const ALL: [Weighting; 3] = [Weighting::Identity, Weighting::Linear, Weighting::Quadratic];
}

/// The q x q agreement weights, row-major. With a single category (or all values equal)
/// every weighting is the identity.
pub fn weights(values: &[f64], weighting: Weighting) -> Vec<f64> {
    let q = values.len();
    let (min, max) = values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let range = max - min;
    let mut matrix = vec![0.0; q * q];
    for k in 0..q {
        for l in 0..q {
            let gap = (values[k] - values[l]).abs();
            matrix[k * q + l] = match weighting {
                _ if k == l => 1.0,
                _ if range.is_nan() || range <= 0.0 => 0.0,
                Weighting::Identity => 0.0,
                Weighting::Linear => 1.0 - gap / range,
                Weighting::Quadratic => 1.0 - (gap / range).powi(2),
            };
        }
    }
    matrix
}

/// A coefficient, or why it has none.
pub type Coefficient = Result<f64, Undefined>;

/// Per-unit terms of the multi-rater coefficients, computed once so that a bootstrap
/// resample only sums them over the drawn units.
#[derive(Debug, Clone)]
pub struct MultiRater {
    q: usize,
    /// Ratings of each unit.
    rated: Vec<u32>,
    /// Per unit and weighting: sum_k r_uk (r*_uk - 1) / (r_u (r_u - 1)), 0 when r_u < 2.
    agreement: [Vec<f64>; 3],
    /// Per unit, q shares r_uk / r_u (zeros for a unit nobody rated).
    shares: Vec<f64>,
    weights: [Vec<f64>; 3],
}

/// The multi-rater coefficients of one sample of units.
#[derive(Debug, Clone, PartialEq)]
pub struct MultiRaterCoefficients {
    pub percent_agreement: Coefficient,
    pub fleiss_kappa: Coefficient,
    pub gwet_ac1: Coefficient,
    pub gwet_ac2_linear: Coefficient,
    pub gwet_ac2_quadratic: Coefficient,
    /// Units with at least one rating.
    pub n_units: usize,
    /// Units with two or more ratings: the n of percent agreement.
    pub n_pairable_units: usize,
}

impl MultiRaterCoefficients {
    /// In a fixed order, for bootstrapping several at once.
    pub fn as_array(&self) -> [Coefficient; 5] {
        [self.percent_agreement, self.fleiss_kappa, self.gwet_ac1, self.gwet_ac2_linear, self.gwet_ac2_quadratic]
    }
}

impl MultiRater {
    pub fn new(ratings: &Categorical) -> MultiRater {
        let q = ratings.n_categories();
        let weights = Weighting::ALL.map(|weighting| weights(ratings.values(), weighting));
        let mut multi = MultiRater {
            q,
            rated: Vec::new(),
            agreement: [Vec::new(), Vec::new(), Vec::new()],
            shares: Vec::new(),
            weights,
        };
        let mut counts = vec![0.0; q];
        // The categories present in the unit: a unit has few ratings, the scale may not.
        let mut present: Vec<usize> = Vec::with_capacity(q);
        multi.rated.reserve(ratings.n_units());
        multi.shares.reserve(ratings.n_units() * q);
        for unit in 0..ratings.n_units() {
            for &k in &present {
                counts[k] = 0.0;
            }
            present.clear();
            let mut r = 0u32;
            for &code in ratings.row(unit) {
                if code != MISSING {
                    let k = code as usize;
                    if counts[k] == 0.0 {
                        present.push(k);
                    }
                    counts[k] += 1.0;
                    r += 1;
                }
            }
            let rf = f64::from(r);
            multi.rated.push(r);
            multi.shares.extend(counts.iter().map(|count| if r == 0 { 0.0 } else { count / rf }));
            for (slot, matrix) in multi.agreement.iter_mut().zip(&multi.weights) {
                let term = if r < 2 {
                    0.0
                } else {
                    let mut sum = 0.0;
                    for &k in &present {
                        let weighted: f64 = present.iter().map(|&l| matrix[k * q + l] * counts[l]).sum();
                        sum += counts[k] * (weighted - 1.0);
                    }
                    sum / (rf * (rf - 1.0))
                };
                slot.push(term);
            }
        }
        multi
    }

    /// The coefficients over all units.
    pub fn coefficients(&self) -> MultiRaterCoefficients {
        self.coefficients_of(0..self.rated.len())
    }

    /// The coefficients over a sample of units (repeats allowed: a bootstrap resample).
    /// Units nobody rated count for nothing.
    pub fn coefficients_of(&self, units: impl Iterator<Item = usize>) -> MultiRaterCoefficients {
        self.coefficients_weighted(units.map(|unit| (unit, 1.0)))
    }

    /// The coefficients over units each counted `weight` times (a bootstrap replicate
    /// drawn as counts of unit patterns).
    pub fn coefficients_weighted(&self, units: impl Iterator<Item = (usize, f64)>) -> MultiRaterCoefficients {
        let q = self.q;
        let mut n_units = 0.0;
        let mut n_pairable = 0.0;
        let mut agreement = [0.0; 3];
        let mut pi = vec![0.0; q];
        for (unit, weight) in units {
            if self.rated[unit] == 0 || weight == 0.0 {
                continue;
            }
            n_units += weight;
            if self.rated[unit] >= 2 {
                n_pairable += weight;
                for (sum, terms) in agreement.iter_mut().zip(&self.agreement) {
                    *sum += weight * terms[unit];
                }
            }
            for (total, share) in pi.iter_mut().zip(&self.shares[unit * q..(unit + 1) * q]) {
                *total += weight * share;
            }
        }
        for share in &mut pi {
            *share /= f64::max(n_units, 1.0);
        }
        let no_pairs = n_pairable == 0.0;
        let pa = agreement.map(|sum| if no_pairs { f64::NAN } else { sum / n_pairable });
        let chance_corrected = |pa: f64, pe: f64| -> Coefficient {
            if no_pairs {
                Err(Undefined::NoPairableUnits)
            } else if (1.0 - pe).abs() < 1e-12 {
                Err(Undefined::NoVariation)
            } else {
                Ok((pa - pe) / (1.0 - pe))
            }
        };
        // Fleiss (generalised): chance agreement sum_kl w_kl pi_k pi_l.
        let identity = &self.weights[0];
        let fleiss_pe: f64 =
            (0..q).flat_map(|k| (0..q).map(move |l| (k, l))).map(|(k, l)| identity[k * q + l] * pi[k] * pi[l]).sum();
        // Gwet: chance agreement T_w / (q (q - 1)) * sum_k pi_k (1 - pi_k).
        let spread: f64 = pi.iter().map(|p| p * (1.0 - p)).sum();
        let gwet = |which: usize| -> Coefficient {
            if q < 2 {
                return if no_pairs { Err(Undefined::NoPairableUnits) } else { Err(Undefined::NoVariation) };
            }
            let total_weight: f64 = self.weights[which].iter().sum();
            let pe = total_weight * spread / (q * (q - 1)) as f64;
            chance_corrected(pa[which], pe)
        };
        MultiRaterCoefficients {
            percent_agreement: if no_pairs { Err(Undefined::NoPairableUnits) } else { Ok(pa[0]) },
            fleiss_kappa: chance_corrected(pa[0], fleiss_pe),
            gwet_ac1: gwet(0),
            gwet_ac2_linear: gwet(1),
            gwet_ac2_quadratic: gwet(2),
            n_units: n_units as usize,
            n_pairable_units: n_pairable as usize,
        }
    }
}

/// Cohen's kappa with its standard error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Kappa {
    pub value: Coefficient,
    /// Large-sample standard error, not assuming kappa = 0 (Fleiss, Cohen & Everitt 1969).
    pub se: Option<f64>,
    /// Units both sides rated.
    pub n: usize,
}

/// A q x q table of counts: rows one rater's category, columns the other's.
#[derive(Debug, Clone, PartialEq)]
pub struct Contingency {
    pub q: usize,
    pub counts: Vec<f64>,
}

impl Contingency {
    pub fn new(q: usize) -> Contingency {
        Contingency { q, counts: vec![0.0; q * q] }
    }

    pub fn add(&mut self, row: u32, column: u32) {
        self.add_weighted(row, column, 1.0);
    }

    /// Adds `weight` observations of one cell (a unit pattern drawn `weight` times).
    pub fn add_weighted(&mut self, row: u32, column: u32, weight: f64) {
        self.counts[row as usize * self.q + column as usize] += weight;
    }

    pub fn total(&self) -> f64 {
        self.counts.iter().sum()
    }

    /// Weighted Cohen's kappa with agreement `weights` (q x q, 1 on the diagonal):
    /// (p_o - p_e) / (1 - p_e), and its standard error
    /// sqrt([sum_ij p_ij (w_ij - (wbar_i. + wbar_.j)(1 - k))^2 - (k - p_e (1 - k))^2]
    /// / (n (1 - p_e)^2)), with wbar_i. = sum_j p_.j w_ij and wbar_.j = sum_i p_i. w_ij.
    pub fn kappa(&self, weights: &[f64]) -> Kappa {
        let q = self.q;
        let n = self.total();
        if n == 0.0 {
            return Kappa { value: Err(Undefined::NoPairableUnits), se: None, n: 0 };
        }
        let p: Vec<f64> = self.counts.iter().map(|count| count / n).collect();
        let rows: Vec<f64> = (0..q).map(|i| (0..q).map(|j| p[i * q + j]).sum()).collect();
        let columns: Vec<f64> = (0..q).map(|j| (0..q).map(|i| p[i * q + j]).sum()).collect();
        let mut observed = 0.0;
        let mut chance = 0.0;
        for i in 0..q {
            for j in 0..q {
                observed += weights[i * q + j] * p[i * q + j];
                chance += weights[i * q + j] * rows[i] * columns[j];
            }
        }
        if (1.0 - chance).abs() < 1e-12 {
            return Kappa { value: Err(Undefined::NoVariation), se: None, n: n as usize };
        }
        let kappa = (observed - chance) / (1.0 - chance);
        let row_means: Vec<f64> = (0..q).map(|i| (0..q).map(|j| columns[j] * weights[i * q + j]).sum()).collect();
        let column_means: Vec<f64> = (0..q).map(|j| (0..q).map(|i| rows[i] * weights[i * q + j]).sum()).collect();
        let mut spread = 0.0;
        for i in 0..q {
            for j in 0..q {
                let deviation = weights[i * q + j] - (row_means[i] + column_means[j]) * (1.0 - kappa);
                spread += p[i * q + j] * deviation * deviation;
            }
        }
        let mut numerator = spread - (kappa - chance * (1.0 - kappa)).powi(2);
        // A difference below the rounding error of its terms is zero (a rater who gives
        // every unit one category has zero variance; rounding would print 1e-7).
        if numerator < 1e-12 * spread.max(1.0) {
            numerator = 0.0;
        }
        let variance = numerator / (n * (1.0 - chance).powi(2));
        Kappa { value: Ok(kappa), se: Some(variance.sqrt()), n: n as usize }
    }
}

/// The contingency table of raters `a` and `b` over the units they both rated, among
/// `units` (repeats count again: a bootstrap resample).
pub fn pair_table(ratings: &Categorical, a: usize, b: usize, units: impl Iterator<Item = usize>) -> Contingency {
    let mut table = Contingency::new(ratings.n_categories());
    for unit in units {
        if let (Some(x), Some(y)) = (ratings.get(unit, a), ratings.get(unit, b)) {
            table.add(x, y);
        }
    }
    table
}

/// For every unit, the consensus of every rater but `left_out`: the strict majority
/// category for unordered categories (none on a tie), the median for ordered ones (none
/// when it falls between two categories). `None` where no other rater rated the unit.
pub fn consensus_without(ratings: &Categorical, left_out: Option<usize>, ordered: bool) -> Vec<Option<u32>> {
    let q = ratings.n_categories();
    let mut counts = vec![0u32; q];
    (0..ratings.n_units())
        .map(|unit| {
            counts.fill(0);
            let mut total = 0u32;
            for (rater, &code) in ratings.row(unit).iter().enumerate() {
                if code != MISSING && Some(rater) != left_out {
                    counts[code as usize] += 1;
                    total += 1;
                }
            }
            if total == 0 {
                return None;
            }
            if ordered {
                // The median, when it is a category: with an even count the two middle
                // ratings must agree, else the unit has no consensus (as a tie has none
                // for unordered categories).
                let at = |rank: u32| {
                    let mut running = 0;
                    counts.iter().position(|&count| {
                        running += count;
                        running >= rank
                    })
                };
                let (lower, upper) = (at(total.div_ceil(2)), at(total / 2 + 1));
                if lower == upper { lower } else { None }
            } else {
                let top = counts.iter().copied().max().unwrap_or(0);
                let mut leaders = counts.iter().enumerate().filter(|(_, count)| **count == top);
                match (leaders.next(), leaders.next()) {
                    (Some((code, _)), None) => Some(code),
                    _ => None,
                }
            }
            .map(|code| code as u32)
        })
        .collect()
}

/// The contingency table of rater `rater` (rows) against `consensus` (columns), among
/// `units`.
pub fn consensus_table(
    ratings: &Categorical,
    rater: usize,
    consensus: &[Option<u32>],
    units: impl Iterator<Item = usize>,
) -> Contingency {
    let mut table = Contingency::new(ratings.n_categories());
    for unit in units {
        if let (Some(own), Some(others)) = (ratings.get(unit, rater), consensus[unit]) {
            table.add(own, others);
        }
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(rows: &[&[Option<u32>]], values: &[f64]) -> Categorical {
        let mut ratings = Categorical::new(rows.len(), rows[0].len(), values.to_vec());
        for (unit, row) in rows.iter().enumerate() {
            for (rater, code) in row.iter().enumerate() {
                if let Some(code) = code {
                    ratings.set(unit, rater, *code);
                }
            }
        }
        ratings
    }

    #[test]
    fn weights_on_values() {
        let linear = weights(&[1.0, 2.0, 5.0], Weighting::Linear);
        assert_eq!(linear, vec![1.0, 0.75, 0.0, 0.75, 1.0, 0.25, 0.0, 0.25, 1.0]);
        let quadratic = weights(&[1.0, 2.0, 3.0], Weighting::Quadratic);
        assert_eq!(quadratic[1], 0.75);
        assert_eq!(weights(&[4.0], Weighting::Linear), vec![1.0]);
    }

    #[test]
    fn wikipedia_cohen_example() {
        // https://en.wikipedia.org/wiki/Cohen%27s_kappa, first example: 50 proposals,
        // yes/yes 20, yes/no 5, no/yes 10, no/no 15: p_o = 0.7, p_e = 0.5, kappa = 0.4.
        let table = Contingency { q: 2, counts: vec![20.0, 5.0, 10.0, 15.0] };
        let kappa = table.kappa(&weights(&[0.0, 1.0], Weighting::Identity));
        assert!((kappa.value.unwrap() - 0.4).abs() < 1e-12);
        assert_eq!(kappa.n, 50);
    }

    #[test]
    fn constant_raters_are_undefined() {
        let table = Contingency { q: 2, counts: vec![7.0, 0.0, 0.0, 0.0] };
        assert_eq!(table.kappa(&weights(&[0.0, 1.0], Weighting::Identity)).value, Err(Undefined::NoVariation));
        assert_eq!(Contingency::new(2).kappa(&[1.0, 0.0, 0.0, 1.0]).value, Err(Undefined::NoPairableUnits));
    }

    #[test]
    fn perfect_agreement() {
        let ratings = grid(
            &[&[Some(0), Some(0), None], &[Some(1), Some(1), Some(1)], &[Some(2), None, Some(2)]],
            &[1.0, 2.0, 3.0],
        );
        let c = MultiRater::new(&ratings).coefficients();
        for value in c.as_array() {
            assert!((value.unwrap() - 1.0).abs() < 1e-12);
        }
        let kappa = pair_table(&ratings, 0, 1, 0..3).kappa(&weights(ratings.values(), Weighting::Quadratic));
        assert_eq!((kappa.value, kappa.n), (Ok(1.0), 2));
    }

    #[test]
    fn single_ratings_leave_percent_agreement_alone() {
        let ratings = grid(&[&[Some(0), Some(1)], &[Some(1), Some(1)], &[Some(0), None]], &[0.0, 1.0]);
        let c = MultiRater::new(&ratings).coefficients();
        assert_eq!(c.percent_agreement, Ok(0.5));
        assert_eq!((c.n_units, c.n_pairable_units), (3, 2));
    }

    #[test]
    fn consensus_of_the_others() {
        let ratings = grid(
            &[&[Some(0), Some(1), Some(1)], &[Some(0), Some(0), Some(2)], &[Some(1), None, None]],
            &[1.0, 2.0, 3.0],
        );
        assert_eq!(consensus_without(&ratings, Some(0), false), vec![Some(1), None, None]);
        // Ordered: the others of unit 2 rated 1 and 3, whose median is no category.
        assert_eq!(consensus_without(&ratings, Some(0), true), vec![Some(1), None, None]);
        assert_eq!(consensus_without(&ratings, None, true), vec![Some(1), Some(0), Some(1)]);
        assert_eq!(consensus_without(&ratings, None, false), vec![Some(1), Some(0), Some(1)]);
    }
}
