//! Prediction-powered inference for a mean (or a rate: the mean of 0/1 outcomes): a few
//! human labels `y` with the judge's scores `f` on the same items, plus the judge's
//! scores on many unlabeled items.
//!
//! - PPI (Angelopoulos, Bates, Fannjiang, Jordan, Zrnic, "Prediction-powered inference",
//!   Science 382, 2023): the judge's mean on the unlabeled items, corrected by the mean of
//!   `y - f` on the labeled ones (the "rectifier"). Unbiased whatever the judge's bias.
//! - PPI++ (Angelopoulos, Duchi, Zrnic, "PPI++: Efficient Prediction-Powered Inference",
//!   arXiv:2311.01453, 2023): the judge enters with a weight lambda, estimated to minimise
//!   the variance and clipped to [0, 1], so a useless judge (lambda 0) gives back the
//!   human-only interval and never a wider one.
//!
//! The formulas follow the authors' reference implementation `ppi_py`
//! (`ppi_mean_pointestimate`, `ppi_mean_ci`, `_calc_lam_glm`) exactly:
//! estimate = lambda * mean(f_unlabeled) + mean(y - lambda * f_labeled) (the labeled
//! judge scores do not enter the unlabeled mean); variance = var(lambda * f_unlabeled)/N +
//! var(y - lambda * f_labeled)/n with population variances (numpy's `std`, ddof 0);
//! lambda = cov(y, f_labeled) / ((1 + n/N) var(f_labeled and f_unlabeled together)), the
//! covariance with ddof 0 and the variance with ddof 1 (numpy's `cov`). The interval is
//! the normal one, estimate ± z * se.

use serde::Serialize;

use super::correlation::z_critical;

/// An estimate of a mean with its normal interval and the sample sizes it used.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    pub estimate: f64,
    /// Standard error.
    pub se: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// Items with a human label that the estimate used (0 for the judge alone).
    pub n_labeled: usize,
    /// Items with only a judge score that the estimate used.
    pub n_unlabeled: usize,
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// Population variance (ddof 0), as numpy's `var`/`std` default.
fn variance(values: &[f64]) -> f64 {
    let center = mean(values);
    values.iter().map(|value| (value - center).powi(2)).sum::<f64>() / values.len() as f64
}

fn interval(estimate: f64, se: f64, n_labeled: usize, n_unlabeled: usize, confidence: f64) -> Estimate {
    let half = z_critical(confidence) * se;
    Estimate { estimate, se, ci_low: estimate - half, ci_high: estimate + half, n_labeled, n_unlabeled }
}

/// The classical mean of `values` with its normal interval (ppi_py's
/// `classical_mean_ci`: standard error std/sqrt(n), ddof 0); `None` below two values.
/// Given the human labels this is the human-only estimate; given the judge's scores on
/// every item it is the judge-only estimate (biased by whatever bias the judge has).
pub fn classical_mean(values: &[f64], confidence: f64) -> Option<Estimate> {
    if values.len() < 2 {
        return None;
    }
    let se = (variance(values) / values.len() as f64).sqrt();
    Some(interval(mean(values), se, values.len(), 0, confidence))
}

/// The prediction-powered estimate with the judge weighted by `lambda` (1 is PPI, 0 the
/// human-only estimate). `y` and `f_labeled` pair up item by item. `None` with fewer than
/// two labeled items, none unlabeled, or slices of different lengths.
pub fn ppi_mean(y: &[f64], f_labeled: &[f64], f_unlabeled: &[f64], lambda: f64, confidence: f64) -> Option<Estimate> {
    let (n, big_n) = (y.len(), f_unlabeled.len());
    if n < 2 || big_n == 0 || f_labeled.len() != n {
        return None;
    }
    let rectifier: Vec<f64> = y.iter().zip(f_labeled).map(|(y, f)| y - lambda * f).collect();
    let imputed_mean = lambda * mean(f_unlabeled);
    let imputed_variance = lambda * lambda * variance(f_unlabeled) / big_n as f64;
    let rectifier_variance = variance(&rectifier) / n as f64;
    let se = (imputed_variance + rectifier_variance).sqrt();
    Some(interval(imputed_mean + mean(&rectifier), se, n, big_n, confidence))
}

/// PPI++'s power-tuning weight: the variance-minimising lambda estimated from the data,
/// clipped to [0, 1] (ppi_py's `_calc_lam_glm` for a mean, `clip=True`). A judge whose
/// scores do not vary says nothing, so its weight is 0. `None` as for [`ppi_mean`].
pub fn power_tuning_lambda(y: &[f64], f_labeled: &[f64], f_unlabeled: &[f64]) -> Option<f64> {
    let (n, big_n) = (y.len(), f_unlabeled.len());
    if n < 2 || big_n == 0 || f_labeled.len() != n {
        return None;
    }
    let (y_mean, f_mean) = (mean(y), mean(f_labeled));
    let covariance = y.iter().zip(f_labeled).map(|(y, f)| (y - y_mean) * (f - f_mean)).sum::<f64>() / n as f64;
    let all: Vec<f64> = f_labeled.iter().chain(f_unlabeled).copied().collect();
    // ddof 1 over every judge score, as numpy's `cov` in `_calc_lam_glm`.
    let judge_variance = variance(&all) * all.len() as f64 / (all.len() - 1) as f64;
    let denominator = (1.0 + n as f64 / big_n as f64) * judge_variance;
    if denominator.is_nan() || denominator <= 0.0 {
        return Some(0.0);
    }
    let lambda = covariance / denominator;
    Some(if lambda.is_finite() { lambda.clamp(0.0, 1.0) } else { 0.0 })
}

/// PPI++: [`ppi_mean`] at the [`power_tuning_lambda`]; returns the estimate and lambda.
pub fn ppi_plus_plus_mean(
    y: &[f64],
    f_labeled: &[f64],
    f_unlabeled: &[f64],
    confidence: f64,
) -> Option<(Estimate, f64)> {
    let lambda = power_tuning_lambda(y, f_labeled, f_unlabeled)?;
    Some((ppi_mean(y, f_labeled, f_unlabeled, lambda, confidence)?, lambda))
}

/// How many human labels alone would give an interval as narrow as one with standard
/// error `se`: the human-only variance of one label (ddof 0, as in [`classical_mean`])
/// over se². `None` when the labels do not vary or `se` is 0 (nothing to compare).
pub fn effective_n(y: &[f64], se: f64) -> Option<f64> {
    if y.is_empty() || se.is_nan() || se <= 0.0 {
        return None;
    }
    let per_label = variance(y);
    (per_label > 0.0).then(|| per_label / (se * se))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::rng::Rng;

    const CONFIDENCE: f64 = 0.95;

    fn close(actual: f64, expected: f64) {
        assert!((actual - expected).abs() < 1e-12, "{actual} != {expected}");
    }

    fn check(estimate: &Estimate, expected: (f64, f64, f64, f64)) {
        close(estimate.estimate, expected.0);
        close(estimate.se, expected.1);
        close(estimate.ci_low, expected.2);
        close(estimate.ci_high, expected.3);
    }

    // Expected values below were computed with ppi_py's formulas written out in plain
    // Python (`statistics.NormalDist().inv_cdf(0.975)` = 1.9599639845400536):
    //   lam  = clip(cov0(Y, f) / ((1 + n/N) * var1(f ++ fu)), 0, 1)
    //   est  = lam * mean(fu) + mean(Y - lam * f)
    //   se   = sqrt(std0(lam * fu)^2 / N + std0(Y - lam * f)^2 / n)
    //   ci   = est ± 1.9599639845400536 * se;  human-only is lam = 0, PPI is lam = 1.
    //   effective_n = var0(Y) / se^2

    #[test]
    fn a_mixed_judge_against_ppi_py_formulas() {
        let y = [1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0];
        let f = [0.9, 0.2, 0.7, 0.6, 0.4, 0.1, 0.8, 0.3];
        let fu = [0.8, 0.1, 0.5, 0.9, 0.3, 0.2, 0.7, 0.6, 0.4, 0.9];
        let human = classical_mean(&y, CONFIDENCE).unwrap();
        check(&human, (0.5, 0.17677669529663687, 0.15352404391258068, 0.8464759560874193));
        let ppi = ppi_mean(&y, &f, &fu, 1.0, CONFIDENCE).unwrap();
        check(&ppi, (0.54, 0.12967266481413883, 0.28584624718495366, 0.7941537528150464));
        assert_eq!((ppi.n_labeled, ppi.n_unlabeled), (8, 10));
        let (plus, lambda) = ppi_plus_plus_mean(&y, &f, &fu, CONFIDENCE).unwrap();
        close(lambda, 0.8737664473684212);
        check(&plus, (0.534950657894737, 0.12954732592065268, 0.2810425647967855, 0.7888587509926883));
        close(effective_n(&y, plus.se).unwrap(), 14.896460968366153);
    }

    #[test]
    fn a_useless_judge_gets_weight_zero_and_the_human_interval() {
        // The judge's scores are the same for passes and fails: cov(Y, f) = 0.
        let y = [1.0, 0.0, 1.0, 0.0, 1.0, 0.0];
        let f = [0.5, 0.5, 0.2, 0.2, 0.8, 0.8];
        let fu = [0.1, 0.9, 0.4, 0.6, 0.3, 0.7, 0.5, 0.2];
        let human = classical_mean(&y, CONFIDENCE).unwrap();
        check(&human, (0.5, 0.20412414523193154, 0.09992402697039088, 0.9000759730296091));
        // Plain PPI pays for the judge's noise: wider than the humans alone.
        let ppi = ppi_mean(&y, &f, &fu, 1.0, CONFIDENCE).unwrap();
        check(&ppi, (0.4625, 0.24384346498659068, -0.015424409239171322, 0.9404244092391714));
        let (plus, lambda) = ppi_plus_plus_mean(&y, &f, &fu, CONFIDENCE).unwrap();
        assert_eq!(lambda, 0.0);
        assert!(plus.ci_high - plus.ci_low <= human.ci_high - human.ci_low + 1e-15);
        check(&plus, (0.5, 0.20412414523193154, 0.09992402697039088, 0.9000759730296091));
        close(effective_n(&y, plus.se).unwrap(), 6.0);
    }

    #[test]
    fn a_perfect_judge_narrows_the_interval() {
        let y = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0];
        let fu = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0];
        let human = classical_mean(&y, CONFIDENCE).unwrap();
        check(&human, (0.375, 0.1711632992203644, 0.03952609805303314, 0.7104739019469668));
        // The rectifier is 0 on every item: all uncertainty is the unlabeled sample's.
        let ppi = ppi_mean(&y, &y, &fu, 1.0, CONFIDENCE).unwrap();
        check(&ppi, (0.25, 0.125, 0.005004501932493299, 0.4949954980675067));
        let (plus, lambda) = ppi_plus_plus_mean(&y, &y, &fu, CONFIDENCE).unwrap();
        close(lambda, 0.6361607142857146);
        check(&plus, (0.2954799107142857, 0.10100364534186056, 0.09751640353698227, 0.49344341789158913));
        close(effective_n(&y, plus.se).unwrap(), 22.97403024796463);
    }

    #[test]
    fn a_likert_mean_against_ppi_py_formulas() {
        let y = [4.0, 3.0, 5.0, 2.0, 4.0, 3.0];
        let f = [4.5, 3.0, 4.0, 2.5, 4.0, 3.5];
        let fu = [3.0, 4.0, 5.0, 2.0, 3.5, 4.5, 4.0];
        check(
            &classical_mean(&y, CONFIDENCE).unwrap(),
            (3.5, 0.39086797998528583, 2.7339128365189174, 4.266087163481083),
        );
        check(
            &ppi_mean(&y, &f, &fu, 1.0, CONFIDENCE).unwrap(),
            (3.630952380952381, 0.41042046409507726, 2.826543052807815, 4.435361709096947),
        );
        let (plus, lambda) = ppi_plus_plus_mean(&y, &f, &fu, CONFIDENCE).unwrap();
        close(lambda, 0.40265486725663713);
        check(&plus, (3.5527286135693212, 0.3344995985580359, 2.8971214475524647, 4.208335779586178));
        close(effective_n(&y, plus.se).unwrap(), 8.192571443004418);
    }

    #[test]
    fn too_little_data_is_no_estimate() {
        assert_eq!(classical_mean(&[1.0], CONFIDENCE), None);
        assert_eq!(ppi_mean(&[1.0], &[1.0], &[0.0, 1.0], 1.0, CONFIDENCE), None);
        assert_eq!(ppi_mean(&[1.0, 0.0], &[1.0, 0.0], &[], 1.0, CONFIDENCE), None);
        assert_eq!(ppi_mean(&[1.0, 0.0], &[1.0], &[1.0], 1.0, CONFIDENCE), None);
        // A constant judge carries no information: weight 0.
        assert_eq!(power_tuning_lambda(&[1.0, 0.0], &[0.5, 0.5], &[0.5, 0.5]), Some(0.0));
        // Labels that do not vary give no effective n.
        assert_eq!(effective_n(&[1.0, 1.0], 0.1), None);
    }

    fn uniform(rng: &mut Rng) -> f64 {
        (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// One synthetic study: a true failure rate of 0.2, a judge that says "fail" with
    /// probability 0.7 on failures and 0.1 on passes (so it overestimates the rate to 0.22
    /// on average, a bias PPI must correct), `n` labeled and `big_n` unlabeled items.
    fn study(rng: &mut Rng, n: usize, big_n: usize) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let draw = |rng: &mut Rng| {
            let fail = uniform(rng) < 0.2;
            let judge = uniform(rng) < if fail { 0.7 } else { 0.1 };
            (f64::from(u8::from(fail)), f64::from(u8::from(judge)))
        };
        let (mut y, mut f) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for _ in 0..n {
            let (label, judge) = draw(rng);
            y.push(label);
            f.push(judge);
        }
        let fu = (0..big_n).map(|_| draw(rng).1).collect();
        (y, f, fu)
    }

    #[test]
    fn intervals_cover_the_true_rate_about_95_percent_of_the_time() {
        // 1,000 seeded studies: deterministic, so it cannot flake. Binomial sd of the
        // coverage at 0.95 is 0.007; [0.92, 0.975] is about four of them either side.
        let mut rng = Rng::new(20231101);
        let (mut ppi_covered, mut plus_covered, mut plus_narrower) = (0, 0, 0);
        let studies = 1_000;
        for _ in 0..studies {
            let (y, f, fu) = study(&mut rng, 200, 2_000);
            let ppi = ppi_mean(&y, &f, &fu, 1.0, CONFIDENCE).unwrap();
            let (plus, _) = ppi_plus_plus_mean(&y, &f, &fu, CONFIDENCE).unwrap();
            let human = classical_mean(&y, CONFIDENCE).unwrap();
            ppi_covered += usize::from(ppi.ci_low <= 0.2 && 0.2 <= ppi.ci_high);
            plus_covered += usize::from(plus.ci_low <= 0.2 && 0.2 <= plus.ci_high);
            plus_narrower += usize::from(plus.se < human.se);
        }
        for covered in [ppi_covered, plus_covered] {
            let coverage = covered as f64 / studies as f64;
            assert!((0.92..=0.975).contains(&coverage), "coverage {coverage}");
        }
        // And the judge earns its keep: PPI++ is narrower than the humans nearly always.
        assert!(plus_narrower > 950, "narrower in {plus_narrower} of {studies}");
    }
}
