//! Proportions with the Wilson score interval (Wilson 1927), which keeps its coverage for
//! small n and rates near 0 or 1, where the normal ("Wald") interval fails; the difference
//! of two independent proportions with Newcombe's hybrid score interval, built from the two
//! Wilson intervals for the same reason; and the two-proportion z-test.

use super::correlation::{two_sided_normal, z_critical};

/// The Wilson interval of `successes` out of `n`; `None` when n is 0.
pub fn wilson(successes: u64, n: u64, confidence: f64) -> Option<(f64, f64)> {
    if n == 0 {
        return None;
    }
    let (k, n) = (successes as f64, n as f64);
    let p = k / n;
    let z = z_critical(confidence);
    let z2 = z * z;
    let center = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / (1.0 + z2 / n);
    Some(((center - half).max(0.0), (center + half).min(1.0)))
}

/// The difference `p1 - p2` of two independent proportions and its interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Difference {
    pub estimate: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

/// `k1/n1 - k2/n2` with Newcombe's hybrid score interval (Newcombe 1998, "Interval
/// estimation for the difference between independent proportions: comparison of eleven
/// methods", Statistics in Medicine 17:873-890, method 10); `None` when either n is 0.
pub fn newcombe_difference(k1: u64, n1: u64, k2: u64, n2: u64, confidence: f64) -> Option<Difference> {
    let (low1, high1) = wilson(k1, n1, confidence)?;
    let (low2, high2) = wilson(k2, n2, confidence)?;
    let (p1, p2) = (k1 as f64 / n1 as f64, k2 as f64 / n2 as f64);
    let estimate = p1 - p2;
    Some(Difference {
        estimate,
        ci_low: estimate - ((p1 - low1).powi(2) + (high2 - p2).powi(2)).sqrt(),
        ci_high: estimate + ((high1 - p1).powi(2) + (p2 - low2).powi(2)).sqrt(),
    })
}

/// The two-proportion z-test of `k1/n1` against `k2/n2`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ZTest {
    pub z: f64,
    /// Two-sided; the same as R's `prop.test(correct = FALSE)`, whose chi-square is z².
    pub p_value: f64,
}

/// The z-test with the pooled standard error; `None` when either n is 0 or the pooled
/// proportion is 0 or 1 (no variation, so no test).
pub fn two_proportion_z_test(k1: u64, n1: u64, k2: u64, n2: u64) -> Option<ZTest> {
    if n1 == 0 || n2 == 0 {
        return None;
    }
    let (n1, n2) = (n1 as f64, n2 as f64);
    let pooled = (k1 + k2) as f64 / (n1 + n2);
    let se = (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt();
    if se <= 0.0 {
        return None;
    }
    let z = (k1 as f64 / n1 - k2 as f64 / n2) / se;
    Some(ZTest { z, p_value: two_sided_normal(z) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newcombe_1998_examples() {
        // Newcombe (1998), "Two-sided confidence intervals for the single proportion:
        // comparison of seven methods", Statistics in Medicine 17, Table II, method 3
        // (Wilson score, no continuity correction).
        let printed = |k, n| {
            let (low, high) = wilson(k, n, 0.95).unwrap();
            (format!("{low:.4}"), format!("{high:.4}"))
        };
        assert_eq!(printed(81, 263), ("0.2553".into(), "0.3662".into()));
        assert_eq!(printed(15, 148), ("0.0624".into(), "0.1605".into()));
        assert_eq!(printed(0, 20), ("0.0000".into(), "0.1611".into()));
        assert_eq!(printed(1, 29), ("0.0061".into(), "0.1718".into()));
        assert_eq!(wilson(0, 0, 0.95), None);
    }

    #[test]
    fn newcombe_1998_difference_examples() {
        // Newcombe (1998), "Interval estimation for the difference between independent
        // proportions: comparison of eleven methods", Statistics in Medicine 17:873-890,
        // Table II, method 10 (hybrid score, no continuity correction); the same figures
        // are reprinted in the SAS paper WUSS 2016 #127 (lexjansen.com), page 9.
        let printed = |k1, n1, k2, n2| {
            let difference = newcombe_difference(k1, n1, k2, n2, 0.95).unwrap();
            (format!("{:.4}", difference.ci_low), format!("{:.4}", difference.ci_high))
        };
        assert_eq!(printed(56, 70, 48, 80), ("0.0524".into(), "0.3339".into()));
        assert_eq!(printed(9, 10, 3, 10), ("0.1705".into(), "0.8090".into()));
        assert_eq!(printed(6, 7, 2, 7), ("0.0582".into(), "0.8062".into()));
        assert_eq!(printed(5, 56, 0, 29), ("-0.0381".into(), "0.1926".into()));
        assert_eq!(printed(0, 10, 0, 20), ("-0.1611".into(), "0.2775".into()));
        assert_eq!(printed(0, 10, 0, 10), ("-0.2775".into(), "0.2775".into()));
        assert_eq!(printed(10, 10, 0, 20), ("0.6791".into(), "1.0000".into()));
        assert_eq!(printed(10, 10, 0, 10), ("0.6075".into(), "1.0000".into()));
        assert_eq!(newcombe_difference(56, 70, 48, 80, 0.95).unwrap().estimate, 0.8 - 0.6);
        assert_eq!(newcombe_difference(1, 2, 0, 0, 0.95), None);
    }

    #[test]
    fn two_proportion_z_test_matches_prop_test() {
        // R: prop.test(c(21, 38), c(100, 100), correct = FALSE) prints
        // "X-squared = 6.948, df = 1, p-value = 0.008392".
        let test = two_proportion_z_test(21, 100, 38, 100).unwrap();
        assert_eq!(format!("{:.3}", test.z * test.z), "6.948");
        assert_eq!(format!("{:.6}", test.p_value), "0.008392");
        assert!(test.z < 0.0);
        // influentialpoints.com, "Two-sample test for independent proportions - using R":
        // prop.test without continuity correction on 94/214 vs 39/128 (its printed sample
        // estimates 0.4392523 and 0.3046875) gives X-squared = 6.1026, p-value = 0.01350.
        let test = two_proportion_z_test(94, 214, 39, 128).unwrap();
        assert_eq!(format!("{:.4}", test.z * test.z), "6.1026");
        assert_eq!(format!("{:.5}", test.p_value), "0.01350");
        // No variation, no test: never NaN.
        assert_eq!(two_proportion_z_test(0, 10, 0, 20), None);
        assert_eq!(two_proportion_z_test(5, 5, 7, 7), None);
        assert_eq!(two_proportion_z_test(1, 0, 1, 2), None);
    }
}
