//! Thresholds over the agreement and judge reports, for CI: which hold, which fail, and
//! by how much.

use std::fmt::Write;

use super::agreement::AgreementReport;
use super::judge::JudgeReport;

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Thresholds {
    pub min_alpha: Option<f64>,
    pub min_judge_spearman: Option<f64>,
    pub max_judge_bias: Option<f64>,
    /// Compare the confidence bound on the unfavourable side instead of the estimate.
    pub use_ci_low: bool,
}

impl Thresholds {
    pub fn any(&self) -> bool {
        self.min_alpha.is_some() || self.min_judge_spearman.is_some() || self.max_judge_bias.is_some()
    }

    pub fn needs_judge(&self) -> bool {
        self.min_judge_spearman.is_some() || self.max_judge_bias.is_some()
    }
}

/// One threshold on one criterion.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub criterion: String,
    /// e.g. `alpha`, `alpha CI low`, `judge spearman`, `judge |bias|`.
    pub statistic: String,
    /// `None` when the statistic is undefined or missing: the check fails.
    pub value: Option<f64>,
    pub threshold: f64,
    /// True when larger values are better.
    pub minimum: bool,
    pub passed: bool,
    pub note: Option<String>,
}

impl Check {
    fn new(criterion: &str, statistic: String, value: Option<f64>, threshold: f64, minimum: bool) -> Check {
        let passed = value.is_some_and(|value| if minimum { value >= threshold } else { value <= threshold });
        Check { criterion: criterion.to_string(), statistic, value, threshold, minimum, passed, note: None }
    }

    pub fn line(&self) -> String {
        let mut line = format!("{} {}: {} ", if self.passed { "PASS" } else { "FAIL" }, self.criterion, self.statistic);
        match self.value {
            None => {
                let _ = write!(line, "undefined ({})", self.note.as_deref().unwrap_or("no value"));
            }
            Some(value) => {
                let relation = match (self.minimum, self.passed) {
                    (true, true) => ">=",
                    (true, false) => "<",
                    (false, true) => "<=",
                    (false, false) => ">",
                };
                let _ = write!(line, "{value:.3} {relation} {}", self.threshold);
                if !self.passed {
                    let _ = write!(line, " (by {:.3})", (value - self.threshold).abs());
                }
            }
        }
        line
    }
}

/// Every check the thresholds ask for over `criteria` (all criteria when empty). A named
/// criterion that has no such statistic fails; unnamed ones without it are skipped.
pub fn evaluate(
    thresholds: Thresholds,
    criteria: &[String],
    agreement: &AgreementReport,
    judge: Option<&JudgeReport>,
) -> Vec<Check> {
    let wanted = |name: &str| criteria.is_empty() || criteria.iter().any(|c| c == name);
    let mut checks = Vec::new();
    if let Some(threshold) = thresholds.min_alpha {
        for criterion in agreement.criteria.iter().filter(|c| wanted(&c.criterion)) {
            let figures = &criterion.figures;
            let (statistic, value) =
                if thresholds.use_ci_low { ("alpha CI low", figures.ci_low) } else { ("alpha", figures.alpha) };
            let mut check = Check::new(&criterion.criterion, statistic.to_string(), value, threshold, true);
            check.note = figures
                .undefined_reason
                .map(str::to_string)
                .or_else(|| (value.is_none() && thresholds.use_ci_low).then(|| "no confidence interval".to_string()));
            checks.push(check);
        }
        for name in criteria {
            if !agreement.criteria.iter().any(|c| &c.criterion == name) {
                let mut check = Check::new(name, "alpha".into(), None, threshold, true);
                check.note = Some("no agreement for this criterion".into());
                checks.push(check);
            }
        }
    }
    if thresholds.needs_judge() {
        let judged: Vec<_> = judge.map(|report| report.criteria.iter().collect()).unwrap_or_default();
        for criterion in judged.iter().filter(|c| wanted(&c.criterion)) {
            if let Some(threshold) = thresholds.min_judge_spearman {
                let spearman = &criterion.correlations.spearman;
                let (statistic, value) = if thresholds.use_ci_low {
                    ("judge spearman CI low", spearman.test.ci_low)
                } else {
                    ("judge spearman", spearman.rho)
                };
                let mut check = Check::new(&criterion.criterion, statistic.into(), value, threshold, true);
                check.note = criterion.correlations.undefined.get("spearman").cloned();
                checks.push(check);
            }
            if let Some(threshold) = thresholds.max_judge_bias {
                let (statistic, value) = if thresholds.use_ci_low {
                    // The bound farthest from zero.
                    let bound = criterion.bias_ci_low.zip(criterion.bias_ci_high).map(|(l, h)| l.abs().max(h.abs()));
                    ("judge |bias| CI bound", bound)
                } else {
                    ("judge |bias|", criterion.bias.map(f64::abs))
                };
                let mut check = Check::new(&criterion.criterion, statistic.into(), value, threshold, false);
                check.note = criterion.correlations.undefined.get("bias").cloned();
                checks.push(check);
            }
        }
        let missing: Vec<&String> = if criteria.is_empty() {
            Vec::new()
        } else {
            criteria.iter().filter(|name| !judged.iter().any(|c| &c.criterion == *name)).collect()
        };
        let mut no_judge = |name: &str| {
            let threshold = thresholds.min_judge_spearman.or(thresholds.max_judge_bias).unwrap_or(0.0);
            let mut check = Check::new(name, "judge".into(), None, threshold, true);
            check.note = Some("no judge scores with human labels".into());
            checks.push(check);
        };
        for name in missing {
            no_judge(name);
        }
        if criteria.is_empty() && judged.is_empty() {
            no_judge("(any)");
        }
    }
    checks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_say_by_how_much() {
        let check = Check::new("grounded", "alpha".into(), Some(0.625), 0.667, true);
        assert!(!check.passed);
        assert_eq!(check.line(), "FAIL grounded: alpha 0.625 < 0.667 (by 0.042)");
        let bias = Check::new("helpfulness", "judge |bias|".into(), Some(0.2), 0.3, false);
        assert_eq!(bias.line(), "PASS helpfulness: judge |bias| 0.200 <= 0.3");
        let undefined = Check::new("x", "alpha".into(), None, 0.5, true);
        assert!(!undefined.passed);
    }
}
