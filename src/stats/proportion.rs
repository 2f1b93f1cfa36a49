//! Proportions with the Wilson score interval (Wilson 1927), which keeps its coverage for
//! small n and rates near 0 or 1, where the normal ("Wald") interval fails.

use super::correlation::z_critical;

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
}
