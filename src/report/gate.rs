//! Thresholds over the agreement and judge reports, for CI: which hold, which fail, and
//! by how much.

use std::fmt::Write;

use super::agreement::AgreementReport;
use super::judge::JudgeReport;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Thresholds {
    pub min_alpha: Limit,
    pub min_judge_spearman: Limit,
    pub max_judge_bias: Limit,
    /// Compare the confidence bound on the unfavourable side instead of the estimate.
    pub use_ci_low: bool,
    /// Lowest acceptable lower bound of a contender's win rate against all others pooled
    /// (`--min-win-rate MODEL=X`): per contender only.
    pub min_win_rate: Limit,
}

/// One threshold flag: a value for every criterion (`--min-alpha 0.6`) and values for
/// named ones (`--min-alpha helpfulness=0.5`), which win for their criterion.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Limit {
    pub all: Option<f64>,
    pub per_criterion: Vec<(String, f64)>,
}

impl Limit {
    /// Parses the values of one repeatable flag: `X` or `CRITERION=X`.
    pub fn parse(flag: &str, values: &[String]) -> Result<Limit, String> {
        let mut limit = Limit::default();
        for value in values {
            let number = |text: &str| {
                text.trim().parse::<f64>().ok().filter(|x| x.is_finite()).ok_or_else(|| {
                    format!("{flag} `{value}`: expected a number, or CRITERION=NUMBER (e.g. {flag} helpfulness=0.6)")
                })
            };
            match value.split_once('=') {
                Some((criterion, x)) if !criterion.trim().is_empty() => {
                    let criterion = criterion.trim().to_string();
                    if limit.per_criterion.iter().any(|(c, _)| *c == criterion) {
                        return Err(format!("{flag}: `{criterion}` is given twice"));
                    }
                    limit.per_criterion.push((criterion, number(x)?));
                }
                Some(_) => return Err(format!("{flag} `{value}`: the criterion before `=` is missing")),
                None if limit.all.is_some() => return Err(format!("{flag}: one value for all criteria, not two")),
                None => limit.all = Some(number(value)?),
            }
        }
        Ok(limit)
    }

    pub fn is_set(&self) -> bool {
        self.all.is_some() || !self.per_criterion.is_empty()
    }

    /// The threshold for `criterion`: its own, else the one for all when `wanted`.
    fn of(&self, criterion: &str, wanted: bool) -> Option<f64> {
        self.per_criterion.iter().find(|(c, _)| c == criterion).map(|(_, x)| *x).or(self.all.filter(|_| wanted))
    }

    /// The criteria this limit names, and the `--criterion` ones when it has a value for all.
    fn named<'a>(&'a self, criteria: &'a [String]) -> impl Iterator<Item = &'a String> {
        let listed = criteria.iter().filter(|_| self.all.is_some());
        self.per_criterion
            .iter()
            .map(|(c, _)| c)
            .chain(listed.filter(|c| !self.per_criterion.iter().any(|(p, _)| p == *c)))
    }
}

impl Thresholds {
    pub fn any(&self) -> bool {
        self.min_alpha.is_set() || self.needs_judge() || self.min_win_rate.is_set()
    }

    pub fn needs_judge(&self) -> bool {
        self.min_judge_spearman.is_set() || self.max_judge_bias.is_set()
    }

    /// Every criterion a threshold names, to check against the rubric.
    pub fn criteria(&self) -> impl Iterator<Item = &String> {
        [&self.min_alpha, &self.min_judge_spearman, &self.max_judge_bias]
            .into_iter()
            .flat_map(|limit| limit.per_criterion.iter().map(|(c, _)| c))
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
                if let Some(note) = &self.note {
                    let _ = write!(line, "; {note}");
                }
            }
        }
        line
    }
}

/// Every check the thresholds ask for over `criteria` (all criteria when empty). A named
/// criterion that has no such statistic fails; unnamed ones without it are skipped.
pub fn evaluate(
    thresholds: &Thresholds,
    criteria: &[String],
    agreement: &AgreementReport,
    judge: Option<&JudgeReport>,
) -> Vec<Check> {
    let wanted = |name: &str| criteria.is_empty() || criteria.iter().any(|c| c == name);
    let mut checks = Vec::new();
    if thresholds.min_alpha.is_set() {
        for criterion in agreement.criteria.iter() {
            let Some(threshold) = thresholds.min_alpha.of(&criterion.criterion, wanted(&criterion.criterion)) else {
                continue;
            };
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
        for name in thresholds.min_alpha.named(criteria) {
            if !agreement.criteria.iter().any(|c| &c.criterion == name) {
                let threshold = thresholds.min_alpha.of(name, true).unwrap_or_default();
                let mut check = Check::new(name, "alpha".into(), None, threshold, true);
                check.note = Some("no agreement for this criterion".into());
                checks.push(check);
            }
        }
    }
    if thresholds.needs_judge() {
        let judged: Vec<_> = judge.map(|report| report.criteria.iter().collect()).unwrap_or_default();
        for criterion in judged.iter() {
            let wanted = wanted(&criterion.criterion);
            if let Some(threshold) = thresholds.min_judge_spearman.of(&criterion.criterion, wanted) {
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
            if let Some(threshold) = thresholds.max_judge_bias.of(&criterion.criterion, wanted) {
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
        let mut missing: Vec<&String> = thresholds
            .min_judge_spearman
            .named(criteria)
            .chain(thresholds.max_judge_bias.named(criteria))
            .filter(|name| !judged.iter().any(|c| &c.criterion == *name))
            .collect();
        missing.sort();
        missing.dedup();
        let mut no_judge = |name: &str| {
            let threshold = [&thresholds.min_judge_spearman, &thresholds.max_judge_bias]
                .iter()
                .find_map(|limit| limit.of(name, true))
                .unwrap_or(0.0);
            let mut check = Check::new(name, "judge".into(), None, threshold, true);
            check.note = Some("no judge scores with human labels".into());
            checks.push(check);
        };
        for name in missing {
            no_judge(name);
        }
        let for_all = thresholds.min_judge_spearman.all.is_some() || thresholds.max_judge_bias.all.is_some();
        if criteria.is_empty() && for_all && judged.is_empty() {
            no_judge("(any)");
        }
    }
    checks
}

/// `--min-win-rate MODEL=X`: each named contender's win rate against all others pooled
/// (ties and both-bad as half) must have the lower bound of its prompt-bootstrap interval
/// at X or above. A contender that is not in the report, or has no interval, fails.
pub fn win_rate_checks(limit: &Limit, report: &super::preference::PreferenceReport) -> Vec<Check> {
    limit
        .per_criterion
        .iter()
        .map(|(model, threshold)| {
            let rating = report.figures.ratings.iter().find(|rating| &rating.model == model);
            let value = rating.and_then(|rating| rating.win_rate_ci).map(|[low, _]| low);
            let mut check = Check::new(model, "win rate CI low".into(), value, *threshold, true);
            check.note = match rating {
                None => Some(format!("no votes on `{model}`; contenders: {}", report.contenders.join(", "))),
                Some(_) if value.is_none() => Some("no confidence interval".into()),
                Some(_) => None,
            };
            check
        })
        .collect()
}

/// The gate's verdict for scripts (`--format json`).
#[derive(Debug, serde::Serialize)]
pub struct Verdict<'a> {
    pub passed: bool,
    pub failed: usize,
    pub checks: Vec<CheckJson<'a>>,
    pub golden_labels_left_out: usize,
}

#[derive(Debug, serde::Serialize)]
pub struct CheckJson<'a> {
    pub criterion: &'a str,
    pub statistic: &'a str,
    pub value: Option<f64>,
    /// `min` (the value must be at least the threshold) or `max`.
    pub bound: &'static str,
    pub threshold: f64,
    pub passed: bool,
    /// Why the value is undefined, when it is.
    pub note: Option<&'a str>,
    /// The line the table prints.
    pub message: String,
}

pub fn verdict(checks: &[Check], golden_labels_left_out: usize) -> Verdict<'_> {
    let failed = checks.iter().filter(|check| !check.passed).count();
    Verdict {
        passed: failed == 0,
        failed,
        checks: checks
            .iter()
            .map(|check| CheckJson {
                criterion: &check.criterion,
                statistic: &check.statistic,
                value: check.value,
                bound: if check.minimum { "min" } else { "max" },
                threshold: check.threshold,
                passed: check.passed,
                note: check.note.as_deref(),
                message: check.line(),
            })
            .collect(),
        golden_labels_left_out,
    }
}

/// The checks as a JUnit XML report, which CI systems (GitLab, Jenkins, GitHub Actions
/// reporters) render: one test case per check, a `<failure>` with its reason when it
/// fails. Schema: https://github.com/testmoapp/junitxml (the common subset).
pub fn junit(checks: &[Check]) -> String {
    let failed = checks.iter().filter(|check| !check.passed).count();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ =
        writeln!(xml, "<testsuites name=\"tally gate\" tests=\"{}\" failures=\"{failed}\" errors=\"0\">", checks.len());
    let _ = writeln!(
        xml,
        "  <testsuite name=\"tally gate\" tests=\"{}\" failures=\"{failed}\" errors=\"0\" skipped=\"0\">",
        checks.len()
    );
    for check in checks {
        let relation = if check.minimum { ">=" } else { "<=" };
        let name = format!("{} {relation} {}", check.statistic, check.threshold);
        let _ = write!(
            xml,
            "    <testcase classname=\"tally.gate.{}\" name=\"{}\"",
            xml_escape(&check.criterion),
            xml_escape(&name)
        );
        if check.passed {
            xml.push_str("/>\n");
        } else {
            let line = xml_escape(&check.line());
            let _ = writeln!(
                xml,
                ">\n      <failure message=\"{line}\" type=\"threshold\">{line}</failure>\n    </testcase>"
            );
        }
    }
    xml.push_str("  </testsuite>\n</testsuites>\n");
    xml
}

/// Text in XML attributes and content; control characters (not allowed in XML 1.0) are
/// dropped.
fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' | '\t' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
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

    #[test]
    fn limits_parse_plain_and_per_criterion_values() {
        let flag = "--min-alpha";
        let limit = Limit::parse(flag, &["0.6".into(), "helpfulness=0.5".into()]).unwrap();
        assert_eq!(limit.all, Some(0.6));
        assert_eq!(limit.per_criterion, [("helpfulness".to_string(), 0.5)]);
        assert_eq!(
            (limit.of("helpfulness", true), limit.of("correct", true), limit.of("correct", false)),
            (Some(0.5), Some(0.6), None)
        );
        assert!(Limit::parse(flag, &["x=high".into()]).unwrap_err().contains("expected a number"));
        assert!(Limit::parse(flag, &["=0.5".into()]).unwrap_err().contains("criterion before `=`"));
        assert!(Limit::parse(flag, &["0.5".into(), "0.6".into()]).unwrap_err().contains("not two"));
        assert!(Limit::parse(flag, &["a=0.5".into(), "a=0.6".into()]).unwrap_err().contains("given twice"));
        assert!(Limit::parse(flag, &["NaN".into()]).is_err());
    }

    #[test]
    fn junit_escapes_and_counts_failures() {
        let checks = [
            Check::new("a<b", "alpha".into(), Some(0.5), 0.6, true),
            Check::new("c", "judge |bias|".into(), Some(0.1), 0.3, false),
        ];
        let xml = junit(&checks);
        assert!(xml.contains("tests=\"2\" failures=\"1\""), "{xml}");
        assert!(xml.contains("classname=\"tally.gate.a&lt;b\""), "{xml}");
        assert!(xml.contains("<failure message=\"FAIL a&lt;b: alpha 0.500 &lt; 0.6 (by 0.100)\""), "{xml}");
        assert!(xml.contains("name=\"judge |bias| &lt;= 0.3\"/>"), "{xml}");
    }
}
