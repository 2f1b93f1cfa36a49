//! Calibration of predicted probabilities against 0/1 outcomes: a reliability table over
//! equal-width bins and the expected calibration error (Naeini, Cooper & Hauskrecht 2015):
//! ECE = sum over bins of (n_b / n) * |mean predicted_b - observed rate_b|.

/// One bin of the reliability table; the last bin includes 1.0.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Bin {
    pub low: f64,
    pub high: f64,
    pub n: usize,
    /// `null` for an empty bin.
    pub mean_predicted: Option<f64>,
    pub observed_rate: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Calibration {
    pub n: usize,
    pub ece: Option<f64>,
    /// Mean squared difference between probability and outcome.
    pub brier: Option<f64>,
    pub bins: Vec<Bin>,
}

/// Pairs of (probability in [0, 1], outcome) over `n_bins` equal-width bins. Probabilities
/// outside [0, 1] are the caller's to reject.
pub fn calibration(pairs: &[(f64, bool)], n_bins: usize) -> Calibration {
    let n_bins = n_bins.max(1);
    let mut sums = vec![(0usize, 0.0, 0.0); n_bins];
    for &(probability, outcome) in pairs {
        let bin = ((probability * n_bins as f64) as usize).min(n_bins - 1);
        sums[bin].0 += 1;
        sums[bin].1 += probability;
        sums[bin].2 += f64::from(u8::from(outcome));
    }
    let n = pairs.len();
    let bins: Vec<Bin> = sums
        .iter()
        .enumerate()
        .map(|(index, &(count, predicted, observed))| Bin {
            low: index as f64 / n_bins as f64,
            high: (index + 1) as f64 / n_bins as f64,
            n: count,
            mean_predicted: (count > 0).then(|| predicted / count as f64),
            observed_rate: (count > 0).then(|| observed / count as f64),
        })
        .collect();
    let ece = (n > 0).then(|| {
        bins.iter()
            .filter_map(|bin| Some(bin.n as f64 / n as f64 * (bin.mean_predicted? - bin.observed_rate?).abs()))
            .sum()
    });
    let brier = (n > 0)
        .then(|| pairs.iter().map(|&(p, outcome)| (p - f64::from(u8::from(outcome))).powi(2)).sum::<f64>() / n as f64);
    Calibration { n, ece, brier, bins }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_ece() {
        // Bin [0.2, 0.3): 0.2, 0.2 with outcomes 0, 1 -> |0.2 - 0.5| = 0.3, weight 2/4.
        // Bin [0.9, 1.0]: 0.9, 1.0 with outcomes 1, 1 -> |0.95 - 1| = 0.05, weight 2/4.
        let result = calibration(&[(0.2, false), (0.2, true), (0.9, true), (1.0, true)], 10);
        assert!((result.ece.unwrap() - (0.5 * 0.3 + 0.5 * 0.05)).abs() < 1e-12);
        assert_eq!(result.bins[9].n, 2);
        assert_eq!(result.bins[0].mean_predicted, None);
        assert!((result.brier.unwrap() - (0.04 + 0.64 + 0.01 + 0.0) / 4.0).abs() < 1e-12);
    }

    #[test]
    fn perfect_calibration_has_zero_error() {
        let pairs: Vec<(f64, bool)> = (0..10).map(|i| (0.55, i < 5 || i == 9)).collect();
        // 6 of 10 true at p = 0.55: |0.55 - 0.6| = 0.05.
        assert!((calibration(&pairs, 10).ece.unwrap() - 0.05).abs() < 1e-12);
        assert_eq!(calibration(&[], 10).ece, None);
    }
}
