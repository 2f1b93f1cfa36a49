//! Sample sizes: how many items to label for a rate, a correlation or Cohen's kappa to be
//! known well enough. Each returns the exact (fractional) size; callers round it up.

use statrs::distribution::{ContinuousCDF, Normal};

use super::alpha::{Level, Units, krippendorff_alpha};
use super::bootstrap::quantile;
use super::correlation::z_critical;
use super::rng::Rng;

fn normal_quantile(p: f64) -> f64 {
    // The standard normal always exists.
    Normal::new(0.0, 1.0).map_or(f64::NAN, |normal| normal.inverse_cdf(p))
}

/// Items for a rate near `p` to a normal-interval half-width `half_width`:
/// z² p(1 - p) / H². `None` unless 0 < H and 0 <= p <= 1.
pub fn rate_n(p: f64, half_width: f64, confidence: f64) -> Option<f64> {
    if !(half_width > 0.0 && (0.0..=1.0).contains(&p)) {
        return None;
    }
    let z = z_critical(confidence);
    Some(z * z * p * (1.0 - p) / (half_width * half_width))
}

/// Human labels for the same half-width with a judge whose scores correlate `rho` with
/// the human values, by PPI++ with many unlabeled items: its variance is the human-only
/// one times (1 - rho²) (Angelopoulos, Duchi, Zrnic 2023, PPI++, section 2: the optimal
/// lambda removes the share of the variance the judge explains, as N grows large).
pub fn with_judge(n: f64, rho: f64) -> Option<f64> {
    (-1.0..=1.0).contains(&rho).then_some(n * (1.0 - rho * rho))
}

/// Items for a Pearson correlation near `r` to a Fisher-z interval whose half-width
/// (half of upper minus lower, on the r scale) is at most `half_width`: the smallest n
/// with (tanh(atanh r + z/sqrt(n-3)) - tanh(atanh r - z/sqrt(n-3))) / 2 <= H.
/// `None` unless -1 < r < 1 and 0 < H < 1.
pub fn correlation_n(r: f64, half_width: f64, confidence: f64) -> Option<u64> {
    if !(r > -1.0 && r < 1.0 && half_width > 0.0 && half_width < 1.0) {
        return None;
    }
    let (z, center) = (z_critical(confidence), r.atanh());
    let half = |n: u64| {
        let spread = z / ((n - 3) as f64).sqrt();
        ((center + spread).tanh() - (center - spread).tanh()) / 2.0
    };
    // The half-width shrinks as n grows: bisect between 4 and a size that is enough.
    let (mut low, mut high) = (4u64, 8u64);
    while half(high) > half_width {
        low = high;
        high *= 2;
    }
    while low < high {
        let middle = low + (high - low) / 2;
        if half(middle) <= half_width { high = middle } else { low = middle + 1 }
    }
    Some(low)
}

/// Cohen's kappa for two raters and a binary rating, both raters saying "positive" with
/// probability `prevalence`: Cantor's (1996, "Sample-size calculations for Cohen's kappa",
/// Psychological Methods 1(2):150-153) asymptotic variance of kappa-hat times n at the
/// true kappa, exactly as R's `irr::N.cohen.kappa` computes its `Q`.
pub fn kappa_variance(kappa: f64, prevalence: f64) -> Option<f64> {
    let (rate1, rate2) = (prevalence, prevalence);
    let (pi2_, pi_2) = (1.0 - rate1, 1.0 - rate2);
    let pie = rate1 * rate2 + pi2_ * pi_2;
    if !(prevalence > 0.0 && prevalence < 1.0) {
        return None;
    }
    let pi0 = kappa * (1.0 - pie) + pie;
    let pi22 = (pi0 - rate1 + pi_2) / 2.0;
    let pi11 = pi0 - pi22;
    let pi12 = rate1 - pi11;
    let pi21 = rate2 - pi11;
    // A kappa the margins cannot reach leaves a negative cell: no such table.
    if [pi11, pi22, pi12, pi21].iter().any(|cell| *cell < 0.0) {
        return None;
    }
    let q = (1.0 - pie).powi(-4)
        * (pi11 * (1.0 - pie - (rate2 + rate1) * (1.0 - pi0)).powi(2)
            + pi22 * (1.0 - pie - (pi_2 + pi2_) * (1.0 - pi0)).powi(2)
            + (1.0 - pi0).powi(2) * (pi12 * (rate2 + pi2_).powi(2) + pi21 * (pi_2 + rate1).powi(2))
            - (pi0 * pie - 2.0 * pie + pi0).powi(2));
    (q.is_finite() && q > 0.0).then_some(q)
}

/// Items to test H0: kappa = `kappa0` against the true `kappa1` at level `alpha` with
/// `power`, one- or two-sided (`sides` 1 or 2): irr's `N.cohen.kappa(rate1 = rate2 =
/// prevalence, k1 = kappa1, k0 = kappa0, alpha, power, twosided = sides == 2)`,
/// ((z_{1-alpha/sides} sqrt(Q0) + z_power sqrt(Q1)) / (kappa1 - kappa0))².
pub fn kappa_test_n(kappa0: f64, kappa1: f64, prevalence: f64, alpha: f64, power: f64, sides: u8) -> Option<f64> {
    if kappa0 == kappa1 || !(alpha > 0.0 && alpha < 1.0 && power > 0.0 && power < 1.0) || !matches!(sides, 1 | 2) {
        return None;
    }
    let (q1, q0) = (kappa_variance(kappa1, prevalence)?, kappa_variance(kappa0, prevalence)?);
    let numerator = normal_quantile(1.0 - alpha / f64::from(sides)) * q0.sqrt() + normal_quantile(power) * q1.sqrt();
    Some((numerator / (kappa1 - kappa0)).powi(2))
}

/// Items for kappa near `kappa` to a normal-interval half-width: z² Q / H², with Cantor's Q.
pub fn kappa_interval_n(kappa: f64, prevalence: f64, half_width: f64, confidence: f64) -> Option<f64> {
    if half_width <= 0.0 || half_width.is_nan() {
        return None;
    }
    let z = z_critical(confidence);
    Some(z * z * kappa_variance(kappa, prevalence)? / (half_width * half_width))
}

/// What [`alpha_n`] found: the units to label and the simulated half-width there.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AlphaPlan {
    pub n: usize,
    /// Half the spread of the simulated alphas at `n` (the interval a study of n gets).
    pub half_width: f64,
    /// Alpha of the pilot itself.
    pub pilot_alpha: f64,
}

/// Units for Krippendorff's alpha to a confidence-interval half-width, by simulation from
/// a pilot: at a candidate size n, `replicates` studies of n units drawn with replacement
/// from the pilot's units, each keeping `raters` of its values (drawn without
/// replacement; all of them when it has fewer), and half the spread between the
/// (1 ± confidence)/2 quantiles of their alphas is the half-width a study of n units gets.
/// Sizes double from 10 until that half-width is reached, then bisection finds the
/// smallest (studies are seeded per size, so the search is reproducible). `None` when the
/// pilot's alpha is undefined, or no size up to `max_n` reaches `half_width`.
#[allow(clippy::too_many_arguments)] // each is one assumption the plan prints
pub fn alpha_n(
    pilot: &Units<f64>,
    level: Level,
    raters: usize,
    half_width: f64,
    confidence: f64,
    replicates: usize,
    seed: u64,
    max_n: usize,
) -> Option<AlphaPlan> {
    let pilot_alpha = krippendorff_alpha(pilot, level).value?;
    let pairable: Vec<usize> = (0..pilot.len()).filter(|&unit| pilot.unit(unit).len() >= 2).collect();
    if pairable.is_empty() || raters < 2 || half_width <= 0.0 || replicates < 10 {
        return None;
    }
    let spread = |n: usize| -> Option<f64> {
        let mut rng = Rng::new(seed ^ (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let mut alphas = Vec::with_capacity(replicates);
        let mut values: Vec<f64> = Vec::new();
        for _ in 0..replicates {
            let mut study = Units::new();
            for _ in 0..n {
                values.clear();
                values.extend_from_slice(pilot.unit(pairable[rng.below(pairable.len())]));
                rng.shuffle(&mut values);
                study.push_unit(values.iter().take(raters).copied());
            }
            if let Some(alpha) = krippendorff_alpha(&study, level).value {
                alphas.push(alpha);
            }
        }
        // As the bootstrap intervals: fewer than half defined gives no interval.
        if alphas.len() * 2 < replicates {
            return None;
        }
        alphas.sort_by(f64::total_cmp);
        let tail = (1.0 - confidence) / 2.0;
        Some((quantile(&alphas, 1.0 - tail) - quantile(&alphas, tail)) / 2.0)
    };
    let reached = |n: usize| spread(n).is_some_and(|spread| spread <= half_width);
    let (mut low, mut high) = (2usize, 10usize);
    while !reached(high) {
        if high >= max_n {
            return None;
        }
        low = high + 1;
        high = (high * 2).min(max_n);
    }
    while low < high {
        let middle = low + (high - low) / 2;
        if reached(middle) { high = middle } else { low = middle + 1 }
    }
    Some(AlphaPlan { n: high, half_width: spread(high)?, pilot_alpha })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: f64, expected: f64) {
        assert!((actual - expected).abs() < 1e-9, "{actual} != {expected}");
    }

    #[test]
    fn rates_to_a_half_width() {
        // The textbook 385: p = 0.5, ±5 points, 95% (1.959964² · 0.25 / 0.0025).
        let n = rate_n(0.5, 0.05, 0.95).unwrap();
        close(n, 384.14588206941227);
        assert_eq!(n.ceil(), 385.0);
        // A judge correlating 0.6 with the humans: 64% of the labels.
        close(with_judge(n, 0.6).unwrap(), 245.85336452442385);
        close(rate_n(0.2, 0.03, 0.95).unwrap(), 682.9260125678443);
        assert_eq!(rate_n(0.5, 0.0, 0.95), None);
        assert_eq!(rate_n(1.5, 0.1, 0.95), None);
        assert_eq!(with_judge(100.0, 1.5), None);
    }

    #[test]
    fn correlations_to_a_half_width() {
        // Checked by the search written out in Python; the usual approximation
        // 3 + (z (1 - r²) / H)² gives 219.08 for the first.
        assert_eq!(correlation_n(0.5, 0.1, 0.95), Some(219));
        assert_eq!(correlation_n(0.8, 0.05, 0.95), Some(205));
        assert_eq!(correlation_n(0.0, 0.1, 0.95), Some(385));
        assert_eq!(correlation_n(1.0, 0.1, 0.95), None);
    }

    // Expected values: irr's N.cohen.kappa (R source, irr 0.84) written out line by line
    // in Python with statistics.NormalDist for qnorm. irr's help example
    // `N.cohen.kappa(0.5, 0.5, 0.7, 0.85)` passes the true kappa 0.7 and the null 0.85
    // (its comment says the reverse), giving 95.71598452786145; testing H0: kappa = 0.7
    // when the truth is 0.85 is N.cohen.kappa(0.5, 0.5, 0.85, 0.7) = 116.35389511190576.
    #[test]
    fn kappa_sample_sizes_match_irr() {
        close(kappa_test_n(0.85, 0.7, 0.5, 0.05, 0.8, 1).unwrap(), 95.71598452786145);
        // irr's help page prints `[1] 96` for that example (irr 0.84.1, "Example output"
        // on rdrr.io/cran/irr/man/N.cohen.kappa.html): the published value, rounded up.
        assert_eq!(kappa_test_n(0.85, 0.7, 0.5, 0.05, 0.8, 1).unwrap().ceil(), 96.0);
        close(kappa_test_n(0.7, 0.85, 0.5, 0.05, 0.8, 1).unwrap(), 116.35389511190576);
        close(kappa_test_n(0.7, 0.85, 0.5, 0.05, 0.8, 2).unwrap(), 150.9696722804098);
        close(kappa_test_n(0.4, 0.6, 0.3, 0.05, 0.8, 1).unwrap(), 140.55235713207475);
        close(kappa_test_n(0.6, 0.8, 0.2, 0.05, 0.8, 2).unwrap(), 171.12179557667838);
        close(kappa_variance(0.85, 0.5).unwrap(), 0.27749999999999986);
        assert_eq!(kappa_test_n(0.5, 0.5, 0.5, 0.05, 0.8, 1), None);
        assert_eq!(kappa_test_n(0.4, 0.6, 0.0, 0.05, 0.8, 1), None);
        assert_eq!(kappa_test_n(0.4, 0.6, 0.3, 0.05, 0.8, 3), None);
    }

    #[test]
    fn kappa_to_a_half_width() {
        // 1.959964² · 0.2775 / 0.1²
        close(kappa_interval_n(0.85, 0.5, 0.1, 0.95).unwrap(), 1.959963984540054f64.powi(2) * 0.2775 / 0.01);
    }

    /// A pilot of 40 units, 3 raters each, on a binary rating: 30 unanimous, 10 split.
    fn pilot() -> Units<f64> {
        let mut units = Units::new();
        for unit in 0..40 {
            let split = unit % 4 == 0;
            let value = f64::from(u8::from(unit % 2 == 0));
            units.push_unit([value, value, if split { 1.0 - value } else { value }]);
        }
        units
    }

    #[test]
    fn alpha_sizes_shrink_the_simulated_interval_to_the_half_width() {
        let pilot = pilot();
        let plan = alpha_n(&pilot, Level::Nominal, 2, 0.1, 0.95, 100, 1, 100_000).unwrap();
        assert!(plan.half_width <= 0.1);
        // Seeded: the same arguments give the same plan.
        assert_eq!(alpha_n(&pilot, Level::Nominal, 2, 0.1, 0.95, 100, 1, 100_000), Some(plan));
        // A narrower interval needs more units; three raters per unit need fewer.
        let narrower = alpha_n(&pilot, Level::Nominal, 2, 0.05, 0.95, 100, 1, 100_000).unwrap();
        assert!(narrower.n > plan.n, "{} <= {}", narrower.n, plan.n);
        let three = alpha_n(&pilot, Level::Nominal, 3, 0.1, 0.95, 100, 1, 100_000).unwrap();
        assert!(three.n < plan.n, "{} >= {}", three.n, plan.n);
        // Roughly the 1/sqrt(n) law: halving the width takes about four times the units.
        let ratio = narrower.n as f64 / plan.n as f64;
        assert!((3.0..5.5).contains(&ratio), "ratio {ratio}");
        // Unreachable within max_n, and a pilot without pairable units: no plan.
        assert_eq!(alpha_n(&pilot, Level::Nominal, 2, 0.001, 0.95, 200, 1, 50), None);
        let mut lonely = Units::new();
        lonely.push_unit([1.0]);
        assert_eq!(alpha_n(&lonely, Level::Nominal, 2, 0.1, 0.95, 200, 1, 1000), None);
    }
}
